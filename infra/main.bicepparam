// Parameters for one environment with the Azure CLI (az deployment group create, see README.md).
// They read the same environment variables as main.parameters.json, which azd uses, so both routes
// deploy the same thing. Secrets are read from the shell for the one run and never land in a file.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'prod')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')

// Comma-separated origins of the web front ends.
param webOrigins = readEnvironmentVariable('AZURE_WEB_ORIGINS', 'https://hoeringsportal.example.dk')
param publicBaseUrl = readEnvironmentVariable('AZURE_PUBLIC_BASE_URL', '')

// Sign-in: employees through Entra ID, citizens and companies through the MitID broker.
param tokenAudience = readEnvironmentVariable('AZURE_TOKEN_AUDIENCE', 'api://hearing-portal')
param entraTenantId = readEnvironmentVariable('AZURE_ENTRA_TENANT_ID', '')
param entraAudience = readEnvironmentVariable('AZURE_ENTRA_AUDIENCE', '')
param brokerIssuer = readEnvironmentVariable('AZURE_BROKER_ISSUER', '')
param brokerAudience = readEnvironmentVariable('AZURE_BROKER_AUDIENCE', '')
param brokerJwksUri = readEnvironmentVariable('AZURE_BROKER_JWKS_URI', '')
param brokerClaims = readEnvironmentVariable('AZURE_BROKER_CLAIMS', '')

// Where mail, Digital Post and journalising go; empty keeps them in blob storage.
param mailSender = readEnvironmentVariable('AZURE_MAIL_SENDER', '')
param graphClientId = readEnvironmentVariable('AZURE_GRAPH_CLIENT_ID', '')
param staffDirectory = bool(readEnvironmentVariable('AZURE_STAFF_DIRECTORY', 'false'))
param recordsEndpoint = readEnvironmentVariable('AZURE_RECORDS_ENDPOINT', '')
param recordsClientId = readEnvironmentVariable('AZURE_RECORDS_CLIENT_ID', '')
param recordsTokenUrl = readEnvironmentVariable('AZURE_RECORDS_TOKEN_URL', '')
param recordsTemplates = readEnvironmentVariable('AZURE_RECORDS_TEMPLATES', '')
param digitalPostEndpoint = readEnvironmentVariable('AZURE_DIGITAL_POST_ENDPOINT', '')

param operatorEmail = readEnvironmentVariable('AZURE_OPERATOR_EMAIL', '')

// Capacity: see docs/capacity.md before a hearing with national attention closes.
param cosmosCapacityMode = readEnvironmentVariable('AZURE_COSMOS_CAPACITY_MODE', 'serverless')
param serviceBusSku = readEnvironmentVariable('AZURE_SERVICE_BUS_SKU', 'Standard')
param alwaysReadyHttpInstances = int(readEnvironmentVariable('AZURE_ALWAYS_READY_HTTP_INSTANCES', '0'))

// Second pass, after the code is published: AZURE_SUBSCRIBE_UPLOAD_EVENTS=true.
param subscribeUploadEvents = bool(readEnvironmentVariable('AZURE_SUBSCRIBE_UPLOAD_EVENTS', 'false'))

// Secrets: unset keeps what Key Vault holds.
param cprEncryptionKey = readEnvironmentVariable('AZURE_CPR_ENCRYPTION_KEY', '')
param graphClientSecret = readEnvironmentVariable('AZURE_GRAPH_CLIENT_SECRET', '')
param recordsClientSecret = readEnvironmentVariable('AZURE_RECORDS_CLIENT_SECRET', '')
param digitalPostCertificate = readEnvironmentVariable('AZURE_DIGITAL_POST_CERTIFICATE', '')

param tags = {
  owner: 'digitalisering'
}
