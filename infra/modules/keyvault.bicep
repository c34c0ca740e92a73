// Key Vault for the app's secrets, read through Key Vault references with the app's identity.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Key Vault name (3-24 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Value of the CPR encryption key secret. Leave empty to keep the stored secret as it is.')
@secure()
param cprEncryptionKey string = ''

var cprKeySecretName = 'portal-cpr-key'

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
    softDeleteRetentionInDays: 90
    // Once on, purge protection cannot be turned off: a deleted vault and its secrets stay
    // recoverable for the retention period.
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource cprKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(cprEncryptionKey)) {
  parent: vault
  name: cprKeySecretName
  properties: {
    value: cprEncryptionKey
    contentType: 'CPR number encryption key'
  }
}

output name string = vault.name
// Versionless, so the app picks up a new version when it refreshes its references.
output cprKeySecretUri string = '${vault.properties.vaultUri}secrets/${cprKeySecretName}'
