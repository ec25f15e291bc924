// The function app on Flex Consumption (Linux, Node 22) running as the user-assigned identity.
// Every app setting mailferry reads is set here; shared/config/schema.ts documents each one and
// test/infra checks this file provides what the schema requires on Azure. No secret is a plain
// value: the certificate (and the optional SMTP password) are Key Vault references resolved by the
// platform with the same identity (keyVaultReferenceIdentity).

param name string
param planName string
param location string
param tags object = {}

param identityId string
param identityClientId string

param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string
param keyVaultName string
param keyVaultUri string

param m365TenantId string
param m365ClientId string
param m365CertificateName string
param licenseSkuId string
param reportSender string
param reportRecipients string
param incrementalSyncSchedule string
param incrementalSyncIntervalHours int
param maxConcurrentMigrations int
param maxConcurrentIncrementalSyncs int

param smtpHost string
param smtpPort int
param smtpUser string
param smtpPasswordSecretName string

param dashboardClientId string
param dashboardTenantId string
param authExcludedPaths array

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int
@allowed([512, 2048, 4096])
param instanceMemoryMB int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'node', version: '22' }
    }
  }
}

// Deployments go through Entra ID (azd, az functionapp deploy); no publishing passwords.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

var keyVaultReference = '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName='

// Settings every deployment has. FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not
// app settings on Flex Consumption (functionAppConfig.runtime replaces them).
var requiredSettings = {
  MAILFERRY_HOSTING: 'azure'
  // Host storage, Durable task hub and mailferry's state, all through the managed identity.
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
  AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // @azure/identity (Key Vault secret store, storage clients) picks the user-assigned identity.
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
  MAILFERRY_SECRET_STORE: 'keyvault'
  KEY_VAULT_URI: keyVaultUri
  MAILFERRY_BLOB_TRIGGER_SOURCE: 'EventGrid'
  MAILFERRY_INCREMENTAL_SYNC_SCHEDULE: incrementalSyncSchedule
  MAILFERRY_INCREMENTAL_SYNC_INTERVAL_HOURS: string(incrementalSyncIntervalHours)
  MAILFERRY_MAX_CONCURRENT_MIGRATIONS: string(maxConcurrentMigrations)
  MAILFERRY_MAX_CONCURRENT_INCREMENTAL_SYNCS: string(maxConcurrentIncrementalSyncs)
  M365_TENANT_ID: m365TenantId
  M365_CLIENT_ID: m365ClientId
  M365_CERTIFICATE_PEM: '${keyVaultReference}${m365CertificateName})'
  MAILFERRY_DASHBOARD_URL: 'https://${site.properties.defaultHostName}/'
  // App Service Authentication signs in with a federated credential of this identity, no secret.
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: identityClientId
  WEBSITE_AUTH_AAD_ALLOWED_TENANTS: dashboardTenantId
}

var licenseSettings = empty(licenseSkuId) ? {} : {
  M365_LICENSE_SKU_ID: licenseSkuId
}

var reportSettings = empty(reportSender) ? {} : {
  REPORT_SENDER: reportSender
  REPORT_RECIPIENTS: reportRecipients
}

var smtpServerSettings = empty(smtpHost) ? {} : {
  SMTP_HOST: smtpHost
  SMTP_PORT: string(smtpPort)
}

var smtpLoginSettings = (empty(smtpHost) || empty(smtpUser)) ? {} : {
  SMTP_USER: smtpUser
  SMTP_PASSWORD: '${keyVaultReference}${smtpPasswordSecretName})'
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(requiredSettings, licenseSettings, reportSettings, smtpServerSettings, smtpLoginSettings)
}

// App Service Authentication (Entra ID) in front of the dashboard. Excluded paths keep their own
// protection: /api/* needs a function key (scripts, the CLI with --key), /runtime/webhooks/* a
// system key (Event Grid's blob events, the Durable management API). See docs/deploy.md.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  dependsOn: [appSettings]
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
      excludedPaths: authExcludedPaths
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: dashboardClientId
          clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'
          openIdIssuer: '${environment().authentication.loginEndpoint}${dashboardTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${dashboardClientId}']
        }
      }
    }
    // No token store: the dashboard needs the sign-in session only, and Flex Consumption has no
    // persistent file system to keep tokens on.
    login: { tokenStore: { enabled: false } }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
