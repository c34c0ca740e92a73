// Cosmos DB for NoSQL: one database, the portal's containers, Entra ID only (no account keys).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Cosmos DB account name (3-44 lowercase letters, digits and hyphens).')
@minLength(3)
@maxLength(44)
param name string

@description('Database the portal uses (COSMOS_DATABASE).')
param databaseName string

@description('serverless: pay per request, for test and small installations. autoscale: provisioned throughput that scales between 10% and 100% of the maximums below, for deadline peaks. Cannot be switched in place.')
@allowed([
  'serverless'
  'autoscale'
])
param capacityMode string = 'serverless'

@description('autoscale only: maximum RU/s shared by the small containers (hearings, subscriptions, reference, audit, campaigns, meetings).')
@minValue(1000)
param sharedMaxThroughput int = 1000

@description('autoscale only: maximum RU/s of the responses container, which takes the deadline-day load on its own.')
@minValue(1000)
param responsesMaxThroughput int = 4000

var serverless = capacityMode == 'serverless'

// Partition key paths as in shared/ports/documents.py CONTAINERS; a unit test keeps them equal.
// dedicatedMaxThroughput 0 means the container shares the database throughput.
var containers = [
  {
    name: 'hearings'
    partitionKeyPaths: [
      '/id'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: []
  }
  {
    name: 'responses'
    partitionKeyPaths: [
      '/hearingId'
      '/id'
    ]
    dedicatedMaxThroughput: responsesMaxThroughput
    // Every query on responses filters or sorts on metadata (status, published, receivedAt,
    // updatedAt); none looks inside the text, the digest, the sealed CPR number or the flags.
    // Leaving them out of the index makes every write cheaper (docs/capacity.md).
    excludedPaths: [
      {
        path: '/text/?'
      }
      {
        path: '/digest/?'
      }
      {
        path: '/respondent/cprSealed/?'
      }
      {
        path: '/respondent/name/?'
      }
      {
        path: '/flags/*'
      }
      {
        path: '/attachments/*'
      }
    ]
  }
  {
    name: 'subscriptions'
    partitionKeyPaths: [
      '/target'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: []
  }
  {
    name: 'reference'
    partitionKeyPaths: [
      '/type'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: []
  }
  {
    // Append-only audit trail, read per hearing.
    name: 'audit'
    partitionKeyPaths: [
      '/hearingId'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: []
  }
  {
    // Each hearing's append-only Merkle log of signed receipts.
    name: 'receiptlog'
    partitionKeyPaths: [
      '/hearingId'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: []
  }
  {
    // One delivery record per notification and recipient, listed per hearing for its owner.
    name: 'deliveries'
    partitionKeyPaths: [
      '/hearingId'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: [
      {
        path: '/recipient/address/?'
      }
      {
        path: '/html/?'
      }
      {
        path: '/text/?'
      }
    ]
  }
  {
    // Campaign groups, their members and LSH band keys, written by the screening consumer.
    name: 'campaigns'
    partitionKeyPaths: [
      '/hearingId'
      '/id'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: []
  }
  {
    // Public meetings with their attendees and waiting lists, read per hearing. Queries filter
    // on the meeting's own fields; the attendee lists and the outbox are never searched.
    name: 'meetings'
    partitionKeyPaths: [
      '/hearingId'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: [
      {
        path: '/attendees/*'
      }
      {
        path: '/waitingList/*'
      }
      {
        path: '/notices/*'
      }
    ]
  }
  {
    // Each caller's Idempotency-Keys with their first answers; every item carries its own ttl (a day).
    name: 'idempotency'
    partitionKeyPaths: [
      '/scope'
    ]
    dedicatedMaxThroughput: 0
    excludedPaths: [
      {
        path: '/answer/*'
      }
    ]
    defaultTtl: -1
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  // checkov:skip=CKV_AZURE_101: No virtual network in this deployment and Flex Consumption instances have no fixed outbound addresses; keys are disabled, so every request needs an Entra ID token with the data-plane role.
  // checkov:skip=CKV_AZURE_99: Same reason as CKV_AZURE_101.
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: serverless ? [
      {
        name: 'EnableServerless'
      }
    ] : []
    disableLocalAuth: true
    // Databases and containers change only through deployments like this one.
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: serverless ? {} : {
      autoscaleSettings: {
        maxThroughput: sharedMaxThroughput
      }
    }
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for container in containers: {
  parent: database
  name: container.name
  properties: {
    resource: {
      id: container.name
      // -1: items expire by their own ttl field; null leaves expiry off.
      defaultTtl: contains(container, 'defaultTtl') ? container.defaultTtl : null
      // Version 2 hashes long key values fully; MultiHash is the hierarchical key of responses.
      partitionKey: {
        paths: container.partitionKeyPaths
        kind: length(container.partitionKeyPaths) > 1 ? 'MultiHash' : 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: concat([
          {
            path: '/"_etag"/?'
          }
        ], container.excludedPaths)
      }
    }
    options: (serverless || container.dedicatedMaxThroughput == 0) ? {} : {
      autoscaleSettings: {
        maxThroughput: container.dedicatedMaxThroughput
      }
    }
  }
}]

output name string = account.name
output endpoint string = account.properties.documentEndpoint
