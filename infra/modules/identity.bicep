// The one identity the function app runs as: storage, Key Vault (secrets and Key Vault references),
// Application Insights and the dashboard sign-in's federated credential all use it. User-assigned
// rather than system-assigned so role assignments exist before the app starts and survive a
// re-created app.

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
