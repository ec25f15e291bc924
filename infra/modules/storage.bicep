// The storage account the Functions host, the Durable task hub and mailferry's own tables and
// containers share. Shared-key access is off: everything reaches it with Entra ID.
//
// Roles for the app identity, and why each (least privilege for what runs here):
// - Storage Blob Data Owner: the Functions host needs it for host storage (it creates containers,
//   keeps its key store and timer/singleton locks in blobs); the deployment package container too.
//   Durable Functions alone would need only Blob Data Contributor (partition leases, large messages).
// - Storage Queue Data Contributor: Durable Functions' control and work-item queues; the blob
//   trigger's internal queue and poison-blob handling.
// - Storage Table Data Contributor: Durable history and instance tables, table partition
//   management, the host's diagnostic events, and mailferry's state tables.
// Not granted: Storage Account Contributor, which the host docs list for the *polling* blob trigger
// (it configures the account's logging). With the Event Grid source that is not needed, and the
// role is a management role able to re-enable shared keys.

param name string
param location string
param tags object = {}
@description('Container the Flex Consumption app package is deployed to.')
param deploymentContainerName string
@description('Principal id of the app identity.')
param appPrincipalId string
@description('Optional: the administrator running the deployment, allowed to drop CSVs into migration-batches.')
param adminPrincipalId string = ''
param adminPrincipalType string = 'User'

var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}
var appRoles = [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]

// Incoming CSVs, the reports, the batches' dry-run plans, and the app package. migration-batches is watched via Event Grid.
var containers = [deploymentContainerName, 'migration-batches', 'reports', 'plans']

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // A dropped CSV carries passwords until ingest deletes it (keeping a password-free copy).
    // Soft delete and versioning would keep the original, passwords included: both stay off.
    deleteRetentionPolicy: { enabled: false }
    containerDeleteRetentionPolicy: { enabled: false }
    isVersioningEnabled: false
  }
}

resource containerResources 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for c in containers: {
    parent: blobService
    name: c
    properties: { publicAccess: 'None' }
  }
]

resource appRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in appRoles: {
    name: guid(storage.id, appPrincipalId, role)
    scope: storage
    properties: {
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
    }
  }
]

resource adminCanDropCsvs 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(adminPrincipalId)) {
  name: guid(storage.id, adminPrincipalId, roles.blobDataContributor)
  scope: storage
  properties: {
    principalId: adminPrincipalId
    principalType: adminPrincipalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.blobDataContributor)
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
