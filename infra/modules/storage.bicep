// Storage account: the Functions host storage, the deployment package container, and the
// portal's blob containers. No shared keys: everything authenticates with Entra ID, and browser
// uploads use user delegation SAS URLs signed through the function app's identity.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Name of the Event Grid system topic that publishes this account\'s blob events.')
param systemTopicName string

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string

@description('Origins of the portal web front ends; browsers PUT uploads straight into the uploads container.')
param webOrigins array = []

@description('Redundancy of the account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_ZRS'

// The portal's containers, as in shared/bootstrap.py BLOB_CONTAINERS.
var portalContainers = [
  'uploads'
  'documents'
  'records'
  'outbox'
  'response-uploads'
  'attachments'
  'quarantine'
  'exports'
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  // checkov:skip=CKV_AZURE_35: Browsers PUT uploads straight into Blob Storage, so the endpoint must be reachable; every request needs an Entra ID token or a short-lived user delegation SAS (shared keys are off).
  // checkov:skip=CKV_AZURE_59: Same as CKV_AZURE_35; anonymous blob access is off (allowBlobPublicAccess false).
  // checkov:skip=CKV_AZURE_206: The data is replicated across zones (Standard_ZRS) or regions (Standard_GZRS) by skuName; LRS is allowed for test environments only.
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Browsers upload directly, so the blob endpoint stays reachable from the internet;
    // every request still needs an Entra ID token or a short-lived user delegation SAS.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: {
      corsRules: empty(webOrigins) ? [] : [
        {
          allowedOrigins: webOrigins
          allowedMethods: [
            'PUT'
          ]
          allowedHeaders: [
            'content-type'
            'content-md5'
            'x-ms-*'
          ]
          exposedHeaders: [
            'etag'
            'x-ms-request-id'
          ]
          maxAgeInSeconds: 3600
        }
      ]
    }
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for containerName in concat(portalContainers, array(deploymentContainerName)): {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}]

// Blob events reach the function app through Event Grid (the Flex Consumption blob trigger
// does not poll); the subscription itself is in upload-events.bicep.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
output systemTopicName string = systemTopic.name
