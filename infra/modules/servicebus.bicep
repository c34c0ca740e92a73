// Service Bus namespace and the portal's queues. Every message carries a deterministic id, so
// duplicate detection drops a message published twice (for example after a retried request).

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Namespace name (6-50 letters, digits and hyphens, starting with a letter).')
@minLength(6)
@maxLength(50)
param name string

@description('Standard: shared, throttled at 1,000 operations per second per namespace. Premium: dedicated messaging units, for deadline days (docs/capacity.md).')
@allowed([
  'Standard'
  'Premium'
])
param sku string = 'Standard'

@description('Premium only: messaging units (1, 2, 4, 8 or 16).')
@allowed([
  1
  2
  4
  8
  16
])
param messagingUnits int = 1

var premium = sku == 'Premium'

// Queues the services publish to and the queue triggers consume.
var queueNames = [
  'responses-received'
  'hearing-events'
  'records-journalise'
  'notification-batches'
]

resource sbNamespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
    capacity: premium ? messagingUnits : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

// Duplicate detection cannot be turned on for an existing queue; it is set at creation.
resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [for queueName in queueNames: {
  parent: sbNamespace
  name: queueName
  properties: {
    requiresDuplicateDetection: true
    // A day, not minutes: the sweeps that re-announce stalled work must not re-queue a long backlog.
    duplicateDetectionHistoryTimeWindow: 'P1D'
    maxDeliveryCount: 5
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
    defaultMessageTimeToLive: 'P14D'
    // Premium queues hold up to 80 GB: a deadline-day backlog waits in the queue, not in the app.
    maxSizeInMegabytes: premium ? 81920 : 5120
    enableBatchedOperations: true
  }
}]

output name string = sbNamespace.name
// serviceBusEndpoint looks like https://<name>.servicebus.windows.net:443/
output fullyQualifiedNamespace string = split(split(sbNamespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
