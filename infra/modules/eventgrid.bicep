// The storage account's Event Grid system topic. Its subscription to the function's blob webhook is
// created after the code is deployed (blob-event-subscription.bicep, run by the azd postdeploy hook):
// the webhook's key (blobs_extension) exists only once the host has started with the blob trigger.

param name string
param location string
param tags object = {}
param storageAccountId string

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
