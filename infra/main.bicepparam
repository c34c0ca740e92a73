// Example parameters for one environment; copy per environment (prod.bicepparam, test.bicepparam).
using './main.bicep'

param environmentName = 'prod'
param location = 'swedencentral'

param webOrigins = [
  'https://hoeringsportal.example.dk'
]
param tokenAudience = 'api://hearing-portal'

param cosmosCapacityMode = 'serverless'
param maximumInstanceCount = 100
param alwaysReadyHttpInstances = 0

// Read from the shell so the key never lands in a file; unset keeps the stored secret.
param cprEncryptionKey = readEnvironmentVariable('CPR_ENCRYPTION_KEY', '')

// Second pass, after the code is published: SUBSCRIBE_UPLOAD_EVENTS=true.
param subscribeUploadEvents = bool(readEnvironmentVariable('SUBSCRIBE_UPLOAD_EVENTS', 'false'))

param tags = {
  owner: 'digitalisering'
}
