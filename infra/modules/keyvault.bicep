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

@description('Client secret of the Graph app registration that sends mail. Empty keeps the stored secret.')
@secure()
param graphClientSecret string = ''

@description('Client secret of the records system (ESDH) client. Empty keeps the stored secret.')
@secure()
param recordsClientSecret string = ''

@description('Digital Post client certificate, base64 of the PKCS#12 file. Empty keeps the stored secret.')
@secure()
param digitalPostCertificate string = ''

// Secret names the app settings refer to (function-app.bicep).
var secretNames = {
  cprKey: 'portal-cpr-key'
  graphClientSecret: 'graph-client-secret'
  recordsClientSecret: 'records-client-secret'
  digitalPostCertificate: 'digital-post-certificate'
}

// Only values given at deployment are written; a missing one leaves the stored version alone.
var givenSecrets = filter([
  {
    name: secretNames.cprKey
    value: cprEncryptionKey
    contentType: 'CPR number encryption key'
  }
  {
    name: secretNames.graphClientSecret
    value: graphClientSecret
    contentType: 'Graph client secret'
  }
  {
    name: secretNames.recordsClientSecret
    value: recordsClientSecret
    contentType: 'Records system client secret'
  }
  {
    name: secretNames.digitalPostCertificate
    value: digitalPostCertificate
    contentType: 'application/x-pkcs12'
  }
], secret => !empty(secret.value))

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: No virtual network in this deployment, and Key Vault references from App Service are not a trusted service: a firewall would lock the apps out. Access is RBAC only and audited (diagnostics.bicep).
  // checkov:skip=CKV_AZURE_189: Same reason as CKV_AZURE_109.
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

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for secret in givenSecrets: {
  // checkov:skip=CKV_AZURE_41: Long-lived keys and credentials rotated by their issuers; an expiry date here would stop the portal instead of prompting a rotation.
  parent: vault
  name: secret.name
  properties: {
    value: secret.value
    contentType: secret.contentType
  }
}]

output name string = vault.name
output id string = vault.id
// App settings use versionless references, so the app picks up a new version when it refreshes them.
output vaultUri string = vault.properties.vaultUri
output secretNames object = secretNames
