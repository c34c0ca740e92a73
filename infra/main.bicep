// The hearing portal in one resource group: two Flex Consumption function apps from one package
// (intake: the HTTP API and uploads; workers: queue consumers and timers) and the services they
// talk to, all through their managed identities. See README.md for the deployment steps.
targetScope = 'resourceGroup'

@description('Short environment name used in resource names: lowercase letters and digits, e.g. prod or test.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Azure region; it must offer the Flex Consumption plan (swedencentral and westeurope do).')
param location string = 'swedencentral'

@description('Origins of the portal web front ends, comma-separated, e.g. https://hoeringsportal.example.dk. They may call the API and PUT uploads straight into Blob Storage.')
param webOrigins string = ''

@description('Audience the portal requires in access tokens (PORTAL_TOKEN_AUDIENCE).')
param tokenAudience string = 'api://hearing-portal'

@description('Entra ID tenant (GUID) of the employees; empty means the deployment tenant.')
param entraTenantId string = ''

@description('Audiences accepted in Entra access tokens (comma-separated); empty means tokenAudience.')
param entraAudience string = ''

@description('MitID / MitID Erhverv broker (OIDC). Leave brokerIssuer empty to trust no broker yet.')
param brokerName string = 'mitid'
param brokerIssuer string = ''
param brokerAudience string = ''
param brokerJwksUri string = ''
@description('JSON mapping of the broker\'s claim names, e.g. {"cpr":"cprNumberIdentifier","cvr":"cvrNumberIdentifier"}.')
param brokerClaims string = ''

@description('Public base URL of the API when it sits behind a custom domain or a gateway; empty means the app\'s azurewebsites.net hostname.')
param publicBaseUrl string = ''

@description('Cosmos DB capacity: serverless (pay per request) or autoscale (provisioned, for deadline peaks).')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosCapacityMode string = 'serverless'

@description('autoscale only: maximum RU/s shared by hearings, subscriptions and reference.')
@minValue(1000)
param cosmosSharedMaxThroughput int = 1000

@description('autoscale only: maximum RU/s of the responses container.')
@minValue(1000)
param cosmosResponsesMaxThroughput int = 4000

@description('Mailbox notifications are sent from (Microsoft Graph); empty keeps them in the outbox container.')
param mailSender string = ''

@description('Client id of the app registration with Graph Mail.Send for mailSender; its secret is graphClientSecret.')
param graphClientId string = ''

@description('Find employees in Entra ID through Graph (User.Read.All, application, on graphClientId), so a colleague can own or review a hearing before their first sign-in.')
param staffDirectory bool = false

@description('Records system (ESDH) REST endpoint and OAuth client id; empty: journalise into the records blob container.')
param recordsEndpoint string = ''
param recordsClientId string = ''
@description('SBSYS: the identity server token endpoint, and KLE number to case template id (JSON), with recordsEndpoint.')
param recordsTokenUrl string = ''
param recordsTemplates string = ''

@description('Digital Post endpoint; empty: Digital Post letters stay in the outbox container.')
param digitalPostEndpoint string = ''

@description('E-mail address the alerts go to.')
param operatorEmail string = ''

@description('Service Bus tier: Standard for test and quiet installations, Premium for deadline days (docs/capacity.md).')
@allowed([
  'Standard'
  'Premium'
])
param serviceBusSku string = 'Standard'

@description('Premium only: messaging units.')
param serviceBusMessagingUnits int = 1

@description('Upper bound on instances of the intake app (HTTP API and uploads).')
@minValue(40)
@maxValue(1000)
param intakeMaximumInstanceCount int = 100

@description('HTTP instances kept warm (billed while idle); raise before a hearing with national attention closes.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@description('Concurrent requests per intake instance; derived from measured CPU per response in docs/capacity.md.')
@minValue(1)
param httpPerInstanceConcurrency int = 6

@description('Upper bound on instances of the workers app (queue consumers and timers).')
@minValue(40)
@maxValue(1000)
param workersMaximumInstanceCount int = 40

@description('Service Bus messages each worker instance handles at once.')
@minValue(1)
param workerMaxConcurrentCalls int = 16

@description('Instances reserved for each of notifications and journalising, so a screening backlog cannot take them all.')
@minValue(0)
param reservedConsumerInstances int = 1

@description('CPR encryption key to store in Key Vault. Leave empty to keep the stored value.')
@secure()
param cprEncryptionKey string = ''

@description('Secrets to store in Key Vault; empty keeps the stored value.')
@secure()
param graphClientSecret string = ''
@secure()
param recordsClientSecret string = ''
@description('Base64 of the Digital Post client certificate (PKCS#12).')
@secure()
param digitalPostCertificate string = ''

@description('Create the Event Grid subscription for uploaded documents. Needs the code published first (see README.md).')
param subscribeUploadEvents bool = false

@description('Python name of the blob-triggered function that processes uploaded documents.')
param uploadFunctionName string = 'process_uploaded_document'

@description('Python name of the blob-triggered function that checks response attachments.')
param attachmentFunctionName string = 'process_uploaded_attachment'

@description('Extra tags for every resource.')
param tags object = {}

var webOriginList = empty(webOrigins) ? [] : split(replace(webOrigins, ' ', ''), ',')
var employeeTenantId = empty(entraTenantId) ? tenant().tenantId : entraTenantId
var employeeAudience = empty(entraAudience) ? tokenAudience : entraAudience

// The database name the code defaults to (shared/settings.py cosmos_database).
var cosmosDatabaseName = 'hearings'
var deploymentContainerName = 'app-package'

var slug = toLower(replace(environmentName, '-', ''))
var suffix = uniqueString(resourceGroup().id, environmentName)
var allTags = union({
  application: 'hearing-portal'
  environment: environmentName
}, tags)

// Which app runs what: the intake app indexes every HTTP function and the upload blob trigger, the
// workers app the queue consumers and timers (PORTAL_FUNCTION_GROUP, functions/groups.py).

// Queue consumers that must keep running while screening works through a deadline-day backlog.
var reservedConsumers = [
  'notify_followers'
  'journalise_hearing'
]

var reservedConsumerGroups = [for consumer in reservedConsumers: {
  name: 'function:${consumer}'
  instanceCount: reservedConsumerInstances
}]

var names = {
  storage: 'st${slug}${suffix}'
  keyVault: 'kv${slug}${suffix}'
  cosmos: 'cosmos-hearings-${slug}-${suffix}'
  serviceBus: 'sb-hearings-${slug}-${suffix}'
  intakePlan: 'plan-hearings-${slug}-${suffix}'
  intakeApp: 'func-hearings-${slug}-${suffix}'
  workersPlan: 'plan-hearings-workers-${slug}-${suffix}'
  workersApp: 'func-hearings-workers-${slug}-${suffix}'
  workspace: 'log-hearings-${slug}-${suffix}'
  appInsights: 'appi-hearings-${slug}-${suffix}'
  systemTopic: 'evgt-hearings-${slug}-${suffix}'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: allTags
    workspaceName: names.workspace
    appInsightsName: names.appInsights
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: allTags
    name: names.storage
    systemTopicName: names.systemTopic
    deploymentContainerName: deploymentContainerName
    webOrigins: webOriginList
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: {
    location: location
    tags: allTags
    name: names.cosmos
    databaseName: cosmosDatabaseName
    capacityMode: cosmosCapacityMode
    sharedMaxThroughput: cosmosSharedMaxThroughput
    responsesMaxThroughput: cosmosResponsesMaxThroughput
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    location: location
    tags: allTags
    name: names.serviceBus
    sku: serviceBusSku
    messagingUnits: serviceBusMessagingUnits
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: allTags
    name: names.keyVault
    cprEncryptionKey: cprEncryptionKey
    graphClientSecret: graphClientSecret
    recordsClientSecret: recordsClientSecret
    digitalPostCertificate: digitalPostCertificate
  }
}

module intakeApp 'modules/function-app.bicep' = {
  name: 'function-app-intake'
  params: {
    location: location
    tags: allTags
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmosDatabaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultUri: keyVault.outputs.vaultUri
    secretNames: keyVault.outputs.secretNames
    tokenAudience: tokenAudience
    entraTenantId: employeeTenantId
    entraAudience: employeeAudience
    brokerName: brokerName
    brokerIssuer: brokerIssuer
    brokerAudience: brokerAudience
    brokerJwksUri: brokerJwksUri
    brokerClaims: brokerClaims
    mailSender: mailSender
    graphClientId: graphClientId
    staffDirectory: staffDirectory
    recordsEndpoint: recordsEndpoint
    recordsClientId: recordsClientId
    recordsTokenUrl: recordsTokenUrl
    recordsTemplates: recordsTemplates
    digitalPostEndpoint: digitalPostEndpoint
    publicBaseUrl: publicBaseUrl
    webOrigins: webOriginList
    instanceMemoryMB: 2048
    name: names.intakeApp
    planName: names.intakePlan
    serviceName: 'intake'
    maximumInstanceCount: intakeMaximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    alwaysReady: alwaysReadyHttpInstances > 0 ? [
      {
        name: 'http'
        instanceCount: alwaysReadyHttpInstances
      }
    ] : []
    functionGroup: 'intake'
    acceptsInbound: true
  }
}

module workersApp 'modules/function-app.bicep' = {
  name: 'function-app-workers'
  params: {
    location: location
    tags: allTags
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmosDatabaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultUri: keyVault.outputs.vaultUri
    secretNames: keyVault.outputs.secretNames
    tokenAudience: tokenAudience
    entraTenantId: employeeTenantId
    entraAudience: employeeAudience
    brokerName: brokerName
    brokerIssuer: brokerIssuer
    brokerAudience: brokerAudience
    brokerJwksUri: brokerJwksUri
    brokerClaims: brokerClaims
    mailSender: mailSender
    graphClientId: graphClientId
    staffDirectory: staffDirectory
    recordsEndpoint: recordsEndpoint
    recordsClientId: recordsClientId
    recordsTokenUrl: recordsTokenUrl
    recordsTemplates: recordsTemplates
    digitalPostEndpoint: digitalPostEndpoint
    publicBaseUrl: publicBaseUrl
    webOrigins: webOriginList
    instanceMemoryMB: 2048
    name: names.workersApp
    planName: names.workersPlan
    serviceName: 'workers'
    maximumInstanceCount: workersMaximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    serviceBusMaxConcurrentCalls: workerMaxConcurrentCalls
    alwaysReady: reservedConsumerInstances > 0 ? reservedConsumerGroups : []
    functionGroup: 'workers'
    acceptsInbound: false
  }
}

// The intake app publishes; it consumes nothing, and only it hands out upload URLs.
module intakeAccess 'modules/access.bicep' = {
  name: 'access-intake'
  params: {
    principalId: intakeApp.outputs.principalId
    storageRoleNames: [
      'storageBlobDataContributor'
      'storageBlobDelegator'
      'storageQueueDataContributor'
    ]
    serviceBusRoleNames: [
      'serviceBusDataSender'
    ]
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    cosmosDatabaseName: cosmosDatabaseName
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// The workers consume and publish (events, journalising); they have no blob trigger, so no queues.
module workersAccess 'modules/access.bicep' = {
  name: 'access-workers'
  params: {
    principalId: workersApp.outputs.principalId
    storageRoleNames: [
      'storageBlobDataContributor'
    ]
    serviceBusRoleNames: [
      'serviceBusDataSender'
      'serviceBusDataReceiver'
    ]
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    cosmosDatabaseName: cosmosDatabaseName
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module diagnostics 'modules/diagnostics.bicep' = {
  name: 'diagnostics'
  params: {
    workspaceId: monitoring.outputs.workspaceId
    functionAppNames: [
      intakeApp.outputs.name
      workersApp.outputs.name
    ]
    cosmosAccountName: cosmos.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    tags: allTags
    namePrefix: 'hearings-${slug}'
    location: location
    operatorEmail: operatorEmail
    serviceBusNamespaceName: serviceBus.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    intakeAppName: intakeApp.outputs.name
  }
}

module uploadEvents 'modules/upload-events.bicep' = if (subscribeUploadEvents) {
  name: 'upload-events'
  params: {
    functionAppName: intakeApp.outputs.name
    uploadFunctionName: uploadFunctionName
    attachmentFunctionName: attachmentFunctionName
    systemTopicName: storage.outputs.systemTopicName
  }
  dependsOn: [
    intakeAccess
  ]
}

output functionAppName string = intakeApp.outputs.name
output functionAppHostName string = intakeApp.outputs.defaultHostName
output workersAppName string = workersApp.outputs.name
output cosmosEndpoint string = cosmos.outputs.endpoint
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output storageAccountName string = storage.outputs.name
output keyVaultName string = keyVault.outputs.name
