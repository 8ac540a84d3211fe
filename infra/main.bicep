// Funnel's whole Azure footprint in one resource group: the app on Flex Consumption, its storage, Service Bus,
// Key Vault, monitoring, and one user-assigned identity holding every data-plane role. Deploy:
//   az deployment group create -g <rg> -f infra/main.bicep -p infra/main.bicepparam
targetScope = 'resourceGroup'

@description('Short name used in every resource name (letters and digits).')
@minLength(3)
@maxLength(12)
param name string = 'funnel'

@description('Azure region; defaults to the resource group\'s.')
param location string = resourceGroup().location

@description('Entra ID authority for user tokens, e.g. https://login.microsoftonline.com/<tenant-id>/v2.0.')
param authAuthority string

@description('Entra ID audience of user tokens: the API app registration\'s application ID URI (api://...) or client id.')
param authAudience string

@description('Client id of the pages\' app registration (a single-page application); empty: the pages take a pasted token.')
param authPagesClientId string = ''

@description('The scope the pages ask for, e.g. api://funnel/access_as_user; empty: {authAudience}/.default.')
param authPagesScope string = ''

@description('Key of the shopper-id hash (at least 32 characters). Changing it later orphans every lead.')
@secure()
@minLength(32)
param leadHashKey string

@description('Key that signs QR codes (at least 32 characters). Changing it later voids every printed code.')
@secure()
@minLength(32)
param codeSigningKey string

@description('Instances the app may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

param tags object = {
  app: 'funnel'
}

var resources = loadJsonContent('app-resources.json')
var suffix = uniqueString(resourceGroup().id, name)
var names = {
  identity: '${name}-id-${suffix}'
  storage: toLower(take('${name}st${suffix}', 24))
  serviceBus: '${name}-sb-${suffix}'
  keyVault: take('${name}-kv-${suffix}', 24)
  logAnalytics: '${name}-log-${suffix}'
  appInsights: '${name}-ai-${suffix}'
  plan: '${name}-plan-${suffix}'
  app: '${name}-${suffix}'
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: names.storage
    location: location
    tags: tags
    queues: resources.queues
    tables: resources.tables
    containers: resources.containers
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: names.serviceBus
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: names.keyVault
    location: location
    tags: tags
    secrets: {
      'lead-hash-key': leadHashKey
      'code-signing-key': codeSigningKey
    }
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    keyVaultName: keyVault.outputs.name
  }
}

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  dependsOn: [
    roles // the app starts reading storage, Key Vault and Service Bus as soon as it exists
  ]
  params: {
    name: names.app
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainer: resources.deploymentContainer
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    authAuthority: authAuthority
    authAudience: authAudience
    authPagesClientId: authPagesClientId
    authPagesScope: authPagesScope
    maximumInstanceCount: maximumInstanceCount
  }
}

output appName string = app.outputs.name
output appUrl string = 'https://${app.outputs.defaultHostName}'
output storageAccountName string = storage.outputs.name
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
