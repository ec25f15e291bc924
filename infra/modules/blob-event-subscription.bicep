// Subscribes the function's blob trigger (Event Grid source) to new CSVs in migration-batches.
// Deployed after the code (infra/scripts/subscribe-blob-events.sh, azd postdeploy): the webhook is
// authorised by the host's blobs_extension system key, read here with listKeys so it never passes
// through a command line or a deployment parameter.

@description('The function app (in this resource group).')
param functionAppName string
@description('The storage account\'s Event Grid system topic (in this resource group).')
param systemTopicName string
@description('Name of the blob-triggered function, as registered with app.storageBlob(...).')
param functionName string
param containerName string = 'migration-batches'

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

var blobsExtensionKey = listKeys(resourceId('Microsoft.Web/sites/host', functionAppName, 'default'), '2024-04-01').systemKeys.blobs_extension

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: '${containerName}-to-${functionName}'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: 'https://${site.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${blobsExtensionKey}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      // Only CSVs: the app writes `<name>.errors.json` beside a bad file, which must not start a batch.
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/'
      subjectEndsWith: '.csv'
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output subscriptionName string = subscription.name
