// mailferry on Azure: Functions (Flex Consumption, Node 22) + Durable Functions on Azure Storage,
// with a user-assigned identity for everything, Key Vault for secrets, Application Insights, and the
// migration-batches blob trigger fed by Event Grid. `azd up` deploys it (azure.yaml); so does
//   az deployment sub create -l <region> -f infra/main.bicep -p infra/main.parameters.json ...
// docs/deploy.md walks through it, including the Entra app registrations this template needs.

targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name; names the resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource (one that offers Flex Consumption).')
param location string

@description('Object id of the administrator deploying (azd sets it): may create the app certificate and drop CSVs. Empty to skip.')
param principalId string = ''
@allowed(['User', 'Group', 'ServicePrincipal'])
param principalType string = 'User'

// The Microsoft 365 side.
@description('Target Microsoft 365 tenant id (or its initial domain).')
param m365TenantId string
@description('Application (client) id of the Entra app registration mailferry signs in as (app-only).')
param m365ClientId string
@description('Name of the app certificate in Key Vault (PEM content type). Create it after the first provision (docs/deploy.md).')
param m365CertificateName string = 'm365-app-certificate'
@description('skuId of the licence given to target users without a mailbox; empty never assigns a licence.')
param licenseSkuId string = ''

// Reports.
@description('Mailbox the reports are sent from (needs Mail.Send for the app); empty sends no mail.')
param reportSender string = ''
@description('Report recipients, separated by semicolons.')
param reportRecipients string = ''
@description('Optional SMTP relay instead of Graph sendMail.')
param smtpHost string = ''
param smtpPort int = 587
param smtpUser string = ''
@description('Key Vault secret holding the SMTP password (when smtpUser is set).')
param smtpPasswordSecretName string = 'smtp-password'

// Schedule and throttles.
@description('NCRONTAB (seconds first) of the timer that looks for batches due an incremental sync.')
param incrementalSyncSchedule string = '0 0 * * * *'
@minValue(1)
@maxValue(720)
param incrementalSyncIntervalHours int = 24
@minValue(1)
@maxValue(1000)
param maxConcurrentMigrations int = 20
@minValue(1)
@maxValue(1000)
param maxConcurrentIncrementalSyncs int = 20

// The dashboard's sign-in.
@description('Application (client) id of the Entra app registration for dashboard sign-in (separate from the M365 app).')
param dashboardClientId string
@description('Tenant the dashboard users sign in from; defaults to the subscription\'s tenant.')
param dashboardTenantId string = tenant().tenantId
@description('Paths App Service Authentication lets through because they carry their own keys.')
param authExcludedPaths array = ['/api/*', '/runtime/webhooks/*']

// Scale.
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var tags = { 'azd-env-name': environmentName, app: 'mailferry' }
var token = toLower(uniqueString(subscription().id, environmentName, location))
var deploymentContainerName = 'app-package-${take(token, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-mailferry-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: { name: 'id-mailferry-${token}', location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stmf${token}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.principalId
    adminPrincipalId: principalId
    adminPrincipalType: principalType
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-mailferry-${token}'
    applicationInsightsName: 'appi-mailferry-${token}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-mf-${token}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    adminPrincipalId: principalId
    adminPrincipalType: principalType
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: 'func-mailferry-${token}'
    planName: 'plan-mailferry-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultName: keyVault.outputs.name
    keyVaultUri: keyVault.outputs.uri
    m365TenantId: m365TenantId
    m365ClientId: m365ClientId
    m365CertificateName: m365CertificateName
    licenseSkuId: licenseSkuId
    reportSender: reportSender
    reportRecipients: reportRecipients
    incrementalSyncSchedule: incrementalSyncSchedule
    incrementalSyncIntervalHours: incrementalSyncIntervalHours
    maxConcurrentMigrations: maxConcurrentMigrations
    maxConcurrentIncrementalSyncs: maxConcurrentIncrementalSyncs
    smtpHost: smtpHost
    smtpPort: smtpPort
    smtpUser: smtpUser
    smtpPasswordSecretName: smtpPasswordSecretName
    dashboardClientId: dashboardClientId
    dashboardTenantId: dashboardTenantId
    authExcludedPaths: authExcludedPaths
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: 'evgt-mailferry-${token}'
    location: location
    tags: tags
    storageAccountId: storage.outputs.id
  }
}

// azd stores these in the environment; the postdeploy hook and docs/deploy.md use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_MANAGED_IDENTITY_NAME string = identity.outputs.name
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output EVENT_GRID_SYSTEM_TOPIC_NAME string = eventGrid.outputs.name
output MAILFERRY_DASHBOARD_URL string = 'https://${functionApp.outputs.defaultHostName}/'
