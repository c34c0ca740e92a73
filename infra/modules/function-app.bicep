// One function app on its own Flex Consumption plan, with a system-assigned managed identity that
// every connection uses: host storage, Cosmos DB, Service Bus, Key Vault and Application Insights.
// main.bicep deploys the same package twice: "intake" (HTTP and blob triggers) and "workers"
// (queue consumers and timers), so each side scales out to its own maximum.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Function app name; also the first label of its hostname.')
param name string

@description('Name of the Flex Consumption plan (one app per plan).')
param planName string

@description('The azd service this app is deployed as (azure.yaml).')
@allowed([
  'intake'
  'workers'
])
param serviceName string

@description('Name of the storage account the host uses.')
param storageAccountName string

@description('Blob endpoint of that account, https://<account>.blob.core.windows.net/.')
param blobEndpoint string

@description('Queue endpoint of that account; blob triggers keep their receipts and poison messages there.')
param queueEndpoint string

@description('URL of the blob container the plan deploys the app package from.')
param deploymentContainerUrl string

@description('Application Insights connection string (not a secret: ingestion requires Entra ID, local auth is off).')
param appInsightsConnectionString string

@description('Cosmos DB document endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database name.')
param cosmosDatabaseName string

@description('Service Bus namespace, <name>.servicebus.windows.net.')
param serviceBusFullyQualifiedNamespace string

@description('Key Vault URI, https://<vault>.vault.azure.net/.')
param keyVaultUri string

@description('Names of the Key Vault secrets (keyvault.bicep secretNames).')
param secretNames object

@description('Audience the portal requires in access tokens.')
param tokenAudience string

@description('Entra ID tenant (GUID) whose employees sign in.')
param entraTenantId string

@description('Audiences accepted in Entra access tokens: the API app id URI and/or client id, comma-separated.')
param entraAudience string

@description('MitID broker: name used as subject prefix, issuer, audience, JWKS address and claim mapping (JSON). Empty issuer: no broker.')
param brokerName string = 'mitid'
param brokerIssuer string = ''
param brokerAudience string = ''
param brokerJwksUri string = ''
param brokerClaims string = ''

@description('Mailbox notifications are sent from through Microsoft Graph; empty keeps mail in the outbox container.')
param mailSender string = ''

@description('Client id of the app registration allowed to send as mailSender (Graph Mail.Send); its secret is in Key Vault.')
param graphClientId string = ''

@description('Find employees in Entra ID through Graph with the same app registration (User.Read.All).')
param staffDirectory bool = false

@description('Records system (ESDH) REST endpoint and OAuth client id; the client secret is in Key Vault.')
param recordsEndpoint string = ''
param recordsClientId string = ''
@description('SBSYS: the identity server token endpoint, and KLE number to case template id (JSON).')
param recordsTokenUrl string = ''
param recordsTemplates string = ''

@description('Digital Post endpoint; the client certificate (base64 PKCS#12) is in Key Vault.')
param digitalPostEndpoint string = ''

@description('Public base URL of the portal API; empty means https://<name>.azurewebsites.net.')
param publicBaseUrl string = ''

@description('Origins of the portal web front ends allowed to call the API from a browser.')
param webOrigins array = []

@description('Upper bound on instances of this app.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB (512: 0.25 core, 2048: 1 core, 4096: 2 cores).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances per scale group: [{ name: \'http\' | \'blob\' | \'function:<name>\', instanceCount: n }].')
param alwaysReady array = []

@description('Concurrent HTTP requests per instance before the platform adds one (see docs/capacity.md).')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

@description('Service Bus messages each instance handles at once (overrides host.json for this app).')
@minValue(1)
param serviceBusMaxConcurrentCalls int = 16

@description('Which functions this app indexes (PORTAL_FUNCTION_GROUP): intake = HTTP and upload triggers, workers = queue consumers and timers.')
@allowed([
  'intake'
  'workers'
])
param functionGroup string

@description('false: the site answers no inbound requests (queue consumers and timers need none); deployment (scm) stays reachable.')
param acceptsInbound bool = true

var baseUrl = empty(publicBaseUrl) ? 'https://${name}.azurewebsites.net' : publicBaseUrl
var secretBase = '${keyVaultUri}secrets/'

// The Python worker runs synchronous functions on a thread pool; give it as many threads as the
// platform may send concurrent requests, or the concurrency setting is a promise nobody keeps.
// The Graph app registration serves mail and the staff directory; it is configured when either is used.
var graphUsed = !empty(mailSender) || staffDirectory
var threadCount = max(httpPerInstanceConcurrency, serviceBusMaxConcurrentCalls)

// Every value the portal reads. No keys and no connection strings: each connection uses the app's
// identity, and each secret is a Key Vault reference (tests/unit/test_infra_least_privilege.py).
var portalSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storageAccountName
  }
  {
    name: 'AzureWebJobsStorage__blobServiceUri'
    value: blobEndpoint
  }
  {
    name: 'AzureWebJobsStorage__queueServiceUri'
    value: queueEndpoint
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsightsConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'Authorization=AAD'
  }
  {
    name: 'PYTHON_THREADPOOL_THREAD_COUNT'
    value: string(threadCount)
  }
  {
    name: 'AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls'
    value: string(serviceBusMaxConcurrentCalls)
  }
  {
    name: 'PORTAL_ENVIRONMENT'
    value: 'production'
  }
  {
    name: 'PORTAL_PUBLIC_BASE_URL'
    value: baseUrl
  }
  {
    name: 'PORTAL_TOKEN_AUDIENCE'
    value: tokenAudience
  }
  {
    name: 'PORTAL_ENTRA_TENANT_ID'
    value: entraTenantId
  }
  {
    name: 'PORTAL_ENTRA_AUDIENCE'
    value: entraAudience
  }
  {
    name: 'PORTAL_BROKER_NAME'
    value: brokerName
  }
  {
    name: 'PORTAL_BROKER_ISSUER'
    value: brokerIssuer
  }
  {
    name: 'PORTAL_BROKER_AUDIENCE'
    value: brokerAudience
  }
  {
    name: 'PORTAL_BROKER_JWKS_URI'
    value: brokerJwksUri
  }
  {
    name: 'PORTAL_BROKER_CLAIMS'
    value: brokerClaims
  }
  {
    name: 'PORTAL_DOCUMENT_STORE'
    value: 'cosmos'
  }
  {
    name: 'COSMOS_ENDPOINT'
    value: cosmosEndpoint
  }
  {
    name: 'COSMOS_DATABASE'
    value: cosmosDatabaseName
  }
  {
    name: 'PORTAL_MESSAGE_BUS'
    value: 'servicebus'
  }
  {
    name: 'ServiceBusConnection__fullyQualifiedNamespace'
    value: serviceBusFullyQualifiedNamespace
  }
  {
    name: 'PORTAL_CPR_KEY'
    value: '@Microsoft.KeyVault(SecretUri=${secretBase}${secretNames.cprKey})'
  }
  {
    name: 'PORTAL_MAILER'
    value: empty(mailSender) ? 'local' : 'graph'
  }
  {
    name: 'PORTAL_MAIL_SENDER'
    value: mailSender
  }
  {
    name: 'PORTAL_STAFF_DIRECTORY'
    value: staffDirectory ? 'graph' : 'none'
  }
  {
    name: 'PORTAL_GRAPH_TENANT_ID'
    value: graphUsed ? entraTenantId : ''
  }
  {
    name: 'PORTAL_GRAPH_CLIENT_ID'
    value: graphClientId
  }
  {
    name: 'PORTAL_GRAPH_CLIENT_SECRET'
    value: graphUsed ? '@Microsoft.KeyVault(SecretUri=${secretBase}${secretNames.graphClientSecret})' : ''
  }
  {
    name: 'PORTAL_RECORDS_SYSTEM'
    value: empty(recordsEndpoint) ? 'local' : 'sbsys'
  }
  {
    name: 'PORTAL_RECORDS_ENDPOINT'
    value: recordsEndpoint
  }
  {
    name: 'PORTAL_RECORDS_TOKEN_URL'
    value: recordsTokenUrl
  }
  {
    name: 'PORTAL_RECORDS_TEMPLATES'
    value: recordsTemplates
  }
  {
    name: 'PORTAL_RECORDS_CLIENT_ID'
    value: recordsClientId
  }
  {
    name: 'PORTAL_RECORDS_CLIENT_SECRET'
    value: empty(recordsEndpoint) ? '' : '@Microsoft.KeyVault(SecretUri=${secretBase}${secretNames.recordsClientSecret})'
  }
  {
    name: 'PORTAL_DIGITAL_POST_ENDPOINT'
    value: digitalPostEndpoint
  }
  {
    name: 'PORTAL_DIGITAL_POST_CERTIFICATE'
    value: empty(digitalPostEndpoint) ? '' : '@Microsoft.KeyVault(SecretUri=${secretBase}${secretNames.digitalPostCertificate})'
  }
]

// The app indexes only its group's functions (functions/groups.py), so a new function needs no list here.
var groupSettings = [
  {
    name: 'PORTAL_FUNCTION_GROUP'
    value: functionGroup
  }
]

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: Zone redundancy on Flex Consumption needs two always-ready instances in every scale group (each queue consumer is its own group); an environment that needs it sets it with those costs in view.
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: The intake app is the public API and must be reachable; the workers app denies all inbound traffic (ipSecurityRestrictionsDefaultAction).
  // checkov:skip=CKV_AZURE_17: Client certificates do not apply: callers are browsers and apps with bearer tokens, validated by the functions themselves.
  // checkov:skip=CKV_AZURE_212: Flex Consumption adds instances on demand; warm capacity is the alwaysReady setting, sized per deadline (infra/README.md).
  // checkov:skip=CKV_AZURE_213: Flex Consumption replaces unhealthy instances itself; GET /api/health serves external probes.
  name: name
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: acceptsInbound ? webOrigins : []
        supportCredentials: false
      }
      ipSecurityRestrictionsDefaultAction: acceptsInbound ? 'Allow' : 'Deny'
      scmIpSecurityRestrictionsUseMain: false
      scmIpSecurityRestrictionsDefaultAction: 'Allow'
      // Only what production needs. Development-only switches are absent on purpose:
      // shared/settings.py refuses them when PORTAL_ENVIRONMENT is production.
      appSettings: concat(portalSettings, groupSettings)
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReady
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

// Publishing uses Entra ID (azd, az functionapp deploy); basic FTP and scm credentials stay off.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = app.name
output id string = app.id
output defaultHostName string = app.properties.defaultHostName
output principalId string = app.identity.principalId
