// The function app on the Flex Consumption plan, with a system-assigned managed identity that
// every connection uses: host storage, Cosmos DB, Service Bus, Key Vault and Application Insights.

@description('Azure region.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Function app name; also the first label of its hostname.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the storage account the host uses.')
param storageAccountName string

@description('Blob endpoint of that account, https://<account>.blob.core.windows.net/.')
param blobEndpoint string

@description('Queue endpoint of that account; blob triggers keep their receipts and poison messages there.')
param queueEndpoint string

@description('URL of the blob container the plan deploys the app package from.')
param deploymentContainerUrl string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Cosmos DB document endpoint.')
param cosmosEndpoint string

@description('Cosmos DB database name.')
param cosmosDatabaseName string

@description('Service Bus namespace, <name>.servicebus.windows.net.')
param serviceBusFullyQualifiedNamespace string

@description('Versionless URI of the CPR encryption key secret in Key Vault.')
param cprKeySecretUri string

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

@description('Public base URL of the portal API; empty means https://<name>.azurewebsites.net.')
param publicBaseUrl string = ''

@description('Origins of the portal web front ends allowed to call the API from a browser.')
param webOrigins array = []

@description('Upper bound on instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Instances kept warm for HTTP functions (billed while idle); raise before a large deadline.')
@minValue(0)
param alwaysReadyHttpInstances int = 0

var baseUrl = empty(publicBaseUrl) ? 'https://${name}.azurewebsites.net' : publicBaseUrl

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
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
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      cors: {
        allowedOrigins: webOrigins
        supportCredentials: false
      }
      // Only what production needs. Development-only switches are absent on purpose:
      // shared/settings.py refuses them when PORTAL_ENVIRONMENT is production.
      appSettings: [
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
          value: '@Microsoft.KeyVault(SecretUri=${cprKeySecretUri})'
        }
      ]
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
        alwaysReady: alwaysReadyHttpInstances > 0 ? [
          {
            name: 'http'
            instanceCount: alwaysReadyHttpInstances
          }
        ] : []
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
output principalId string = app.identity.principalId
