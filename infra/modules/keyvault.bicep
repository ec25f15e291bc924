// Key Vault with Azure RBAC (no access policies). It holds:
// - the Entra app's certificate (`m365CertificateName`), created by the administrator with content
//   type application/x-pem-file so the Key Vault reference resolves to PEM (key + certificate);
// - endpoint passwords and the passwords moved out of CSVs at ingest, written by the app.
//
// The app identity gets Key Vault Secrets Officer: it must *write* and delete secrets at ingest and
// batch removal, and read them (Key Vault references need only Secrets User, which Officer contains).
// The administrator gets Certificates Officer (create and renew the app certificate) and Secrets
// Officer (set an SMTP or endpoint secret by hand).
// Purge protection is off so a removed batch's passwords can be purged at once instead of lingering
// in soft delete; soft delete keeps the minimum 7 days for accidents.

param name string
param location string
param tags object = {}
param appPrincipalId string
param adminPrincipalId string = ''
param adminPrincipalType string = 'User'

var secretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
var certificatesOfficer = 'a4417e6f-fecd-4de8-b567-7b0420556985'
var adminRoles = empty(adminPrincipalId) ? [] : [secretsOfficer, certificatesOfficer]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource appSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, secretsOfficer)
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficer)
  }
}

resource adminAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in adminRoles: {
    name: guid(vault.id, adminPrincipalId, role)
    scope: vault
    properties: {
      principalId: adminPrincipalId
      principalType: adminPrincipalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

output name string = vault.name
output uri string = vault.properties.vaultUri
