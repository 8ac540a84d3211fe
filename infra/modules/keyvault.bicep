// The app's secrets (the lead-hash and code-signing keys), read by the app's identity through Key Vault references.
// RBAC only; purge protection on (the keys cannot be recreated). A deleted vault keeps its name for 90 days: deploying
// again into a re-created resource group of the same id fails until it is recovered (az keyvault recover) or purged.
param name string
param location string
param tags object = {}

@description('Secrets to store, by name (values come from @secure() parameters).')
@secure()
param secrets object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
    softDeleteRetentionInDays: 90
    publicNetworkAccess: 'Enabled'
  }
}

resource secretResources 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for secret in items(secrets): {
    parent: vault
    name: secret.key
    properties: {
      value: secret.value
    }
  }
]

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
