// The app on the Flex Consumption plan (FC1) as a custom handler: runtime "custom" (version "1.0", the one Flex lists
// for it), and host.json starts the executable "Funnel.App", a self-contained linux-x64 publish of the ASP.NET Core
// app that carries its own .NET runtime, so nothing is expected of the image but the Functions host. Sources: README,
// "Deploying".
param name string
param planName string
param location string
param tags object = {}

param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainer string
param serviceBusNamespace string
param appInsightsConnectionString string
param keyVaultUri string

@description('Entra ID authority for user tokens, e.g. https://login.microsoftonline.com/<tenant>/v2.0.')
param authAuthority string

@description('Entra ID audience of user tokens (the API app registration\'s application ID URI or client id).')
param authAudience string

@description('Client id of the pages\' app registration (a single-page application); empty: the pages take a pasted token.')
param authPagesClientId string = ''

@description('The scope the pages ask for, e.g. api://funnel/access_as_user; empty: {authAudience}/.default.')
param authPagesScope string = ''

@description('Instances the plan may scale out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Instances kept running for HTTP at all times. At least 1: the journeys\' durable timers fire in the app\'s own worker, and nothing else wakes a scaled-to-zero app when a timer comes due.')
@minValue(1)
param alwaysReadyInstances int = 1

@description('Memory of each instance (the app needs under 300 MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

var secret = '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets'

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // The "http" group: this app's functions are HTTP forwards plus queue triggers; one instance always runs the
        // Durable Task worker (timers, events) and the handler, more scale out with load.
        alwaysReady: [
          {
            name: 'http'
            instanceCount: alwaysReadyInstances
          }
        ]
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        // Host and app storage, identity-based (no keys anywhere).
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        // The PurchasesServiceBus trigger.
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: serviceBusNamespace }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__clientId', value: identityClientId }
        // Telemetry: the host's and the app's OpenTelemetry exporter, both with Entra ID.
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        // Users sign in with Entra ID; app roles hq, store, clerk, pos map to the app's roles.
        { name: 'Auth__Authority', value: authAuthority }
        { name: 'Auth__Audience', value: authAudience }
        // The clerk and HQ pages sign in with Entra (MSAL, served by the app) when a client id is set.
        { name: 'Auth__PagesClientId', value: authPagesClientId }
        { name: 'Auth__PagesScope', value: authPagesScope }
        // Keys from Key Vault.
        { name: 'Funnel__LeadHashKey', value: '${secret}/lead-hash-key)' }
        { name: 'Funnel__CodeSigningKey', value: '${secret}/code-signing-key)' }
        { name: 'Funnel__PublicBaseUrl', value: 'https://${name}.azurewebsites.net' }
      ]
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
