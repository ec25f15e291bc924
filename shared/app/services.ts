import type { BlobServiceClient } from '@azure/storage-blob';
import { loadSettings, storageSettingsFrom, type Settings } from '../config/settings';
import { registerSecret } from '../log';
import { LocalSecretStore } from '../secrets/local';
import type { SecretStore } from '../secrets/store';
import { createStateStore, type StateStore } from '../state';
import { blobServiceClient, type StorageSettings } from '../storage/clients';

/**
 * The app's composition root: settings, state, secrets and blob storage, built once per process
 * from the environment (app settings), as on Azure. Triggers and activities take what they need
 * from here; nothing in it knows how the app is hosted.
 */
export interface Services {
  settings: Settings;
  storage: StorageSettings;
  state: StateStore;
  secrets: SecretStore;
  blobs: BlobServiceClient;
}

let cached: { key: string; services: Services } | undefined;

export function services(env: NodeJS.ProcessEnv = process.env): Services {
  // Rebuilt when the storage account changes (a test host restarted on a new Azurite).
  const key = `${env.AzureWebJobsStorage ?? ''}|${env.MAILFERRY_DATA_DIR ?? ''}`;
  if (cached?.key === key) return cached.services;
  const settings = loadSettings(env);
  const storage = storageSettingsFrom(settings);
  const secrets: SecretStore = scrubbedInLogs(
    settings.secretStore.kind === 'local'
      ? new LocalSecretStore({ dataDir: settings.secretStore.dataDir })
      : keyVaultStore(settings.secretStore.vaultUri),
  );
  cached = {
    key,
    services: {
      settings,
      storage,
      state: createStateStore(storage),
      secrets,
      blobs: blobServiceClient(storage),
    },
  };
  return cached.services;
}

/** Every secret the app reads or writes becomes a value the logger removes from any line. */
function scrubbedInLogs(store: SecretStore): SecretStore {
  return {
    set: (name, value) => {
      registerSecret(value);
      return store.set(name, value);
    },
    setMany: (entries) => {
      for (const [, value] of entries) registerSecret(value);
      return store.setMany(entries);
    },
    get: async (name) => {
      const value = await store.get(name);
      if (value !== undefined) registerSecret(value);
      return value;
    },
    delete: (name) => store.delete(name),
    deletePrefix: (prefix) => store.deletePrefix(prefix),
  };
}

function keyVaultStore(vaultUri: string): SecretStore {
  // Loaded only on Azure: the Key Vault SDK and its credential chain are not needed locally.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KeyVaultSecretStore } = require('../secrets/keyvault') as typeof import('../secrets/keyvault');
  return new KeyVaultSecretStore({ vaultUrl: vaultUri });
}
