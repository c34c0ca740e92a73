// The hearing portal in one resource group: a Flex Consumption function app and the services it
// talks to, all through its managed identity. See README.md for the deployment steps.
targetScope = 'resourceGroup'

@description('Short environment name used in resource names: lowercase letters and digits, e.g. prod or test.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Azure region; it must offer the Flex Consumption plan (swedencentral and westeurope do).')
param location string = 'swedencentral'

@description('Origins of the portal web front ends, e.g. https://hoeringsportal.example.dk. They may call the API and PUT uploads straight into Blob Storage.')
param webOrigins array = []

@description('Audience the portal requires in access tokens (PORTAL_TOKEN_AUDIENCE).')
param tokenAudience string = 'api://hearing-portal'

@description('Entra ID tenant of the employees; defaults to the deployment tenant.')
param entraTenantId string = tenant().tenantId

@description('Audiences accepted in Entra access tokens (comma-separated); defaults to tokenAudience.')
param entraAudience string = tokenAudience

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

@description('Upper bound on function app instances.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('HTTP instances kept warm (billed while idle); raise before a hearing with national attention closes.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@description('CPR encryption key to store in Key Vault. Leave empty to keep the stored value.')
@secure()
param cprEncryptionKey string = ''

@description('Create the Event Grid subscription for uploaded documents. Needs the code published first (see README.md).')
param subscribeUploadEvents bool = false

@description('Python name of the blob-triggered function that processes uploaded documents.')
param uploadFunctionName string = 'process_uploaded_document'

@description('Extra tags for every resource.')
param tags object = {}

// The database name the code defaults to (shared/settings.py cosmos_database).
var cosmosDatabaseName = 'hearings'
var deploymentContainerName = 'app-package'

var slug = toLower(replace(environmentName, '-', ''))
var suffix = uniqueString(resourceGroup().id, environmentName)
var allTags = union({
  application: 'hearing-portal'
  environment: environmentName
}, tags)

var names = {
  storage: 'st${slug}${suffix}'
  keyVault: 'kv${slug}${suffix}'
  cosmos: 'cosmos-hearings-${slug}-${suffix}'
  serviceBus: 'sb-hearings-${slug}-${suffix}'
  plan: 'plan-hearings-${slug}-${suffix}'
  functionApp: 'func-hearings-${slug}-${suffix}'
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
    webOrigins: webOrigins
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
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    tags: allTags
    name: names.keyVault
    cprEncryptionKey: cprEncryptionKey
  }
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    tags: allTags
    name: names.functionApp
    planName: names.plan
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.connectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmosDatabaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    cprKeySecretUri: keyVault.outputs.cprKeySecretUri
    tokenAudience: tokenAudience
    entraTenantId: entraTenantId
    entraAudience: entraAudience
    brokerName: brokerName
    brokerIssuer: brokerIssuer
    brokerAudience: brokerAudience
    brokerJwksUri: brokerJwksUri
    brokerClaims: brokerClaims
    publicBaseUrl: publicBaseUrl
    webOrigins: webOrigins
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: 2048
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
  }
}

module access 'modules/access.bicep' = {
  name: 'access'
  params: {
    principalId: functionApp.outputs.principalId
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

module uploadEvents 'modules/upload-events.bicep' = if (subscribeUploadEvents) {
  name: 'upload-events'
  params: {
    functionAppName: functionApp.outputs.name
    uploadFunctionName: uploadFunctionName
    systemTopicName: storage.outputs.systemTopicName
  }
  dependsOn: [
    access
  ]
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output cosmosEndpoint string = cosmos.outputs.endpoint
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output storageAccountName string = storage.outputs.name
output keyVaultName string = keyVault.outputs.name
