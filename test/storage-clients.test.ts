import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { storageSettingsFrom } from '../shared/config/settings';
import { blobServiceClient, tableClient } from '../shared/storage/clients';

test('on Azure, storage clients use the service URIs with the managed identity, never a key', () => {
  const settings = storageSettingsFrom({
    storage: {
      kind: 'identity',
      blobServiceUri: 'https://mfstore.blob.core.windows.net',
      queueServiceUri: 'https://mfstore.queue.core.windows.net',
      tableServiceUri: 'https://mfstore.table.core.windows.net',
      managedIdentityClientId: '00000000-0000-0000-0000-000000000001',
    },
  });
  expect(settings.connectionString).toBe('');
  expect(tableClient(settings, 'batches').url).toBe('https://mfstore.table.core.windows.net');
  expect(blobServiceClient(settings).url).toBe('https://mfstore.blob.core.windows.net/');
  // A token credential (the managed identity, whose library loads at the first token), not a key.
  const credential = blobServiceClient(settings).credential;
  expect(credential).not.toBeInstanceOf(StorageSharedKeyCredential);
  expect(typeof (credential as { getToken?: unknown }).getToken).toBe('function');
  expect(credential.constructor.name).toBe('ManagedIdentity');
});
