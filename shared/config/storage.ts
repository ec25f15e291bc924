import { CodedError } from '../domain/errors';
import type { StorageSettings } from '../storage/clients';
import type { Problems } from './problems';
import { settingMeta, type RawSettings, type SettingName } from './schema';
import type { Hosting, SecretStoreSettings, Settings, StorageConnection } from './types';

/** Where state and secrets live: the storage connection and the secret store, by hosting. */
const IDENTITY_URIS = [
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
] as const satisfies readonly SettingName[];

function looksLikeConnectionString(cs: string): boolean {
  const keys = new Set(
    cs
      .split(';')
      .map((p) => p.split('=')[0]?.trim().toLowerCase())
      .filter(Boolean),
  );
  return /^UseDevelopmentStorage=true;?$/i.test(cs) || keys.has('blobendpoint') || keys.has('accountname');
}

export function resolveStorage(raw: RawSettings, hosting: Hosting, problems: Problems): StorageConnection {
  const cs = raw.AzureWebJobsStorage;
  const identityGiven =
    raw.AzureWebJobsStorage__accountName !== undefined || IDENTITY_URIS.some((n) => raw[n] !== undefined);
  if (raw.AzureWebJobsStorage__clientId && raw.AzureWebJobsStorage__credential !== 'managedidentity') {
    problems.add(
      'SETTING_MISSING',
      'AzureWebJobsStorage__credential',
      'Set AzureWebJobsStorage__credential to "managedidentity": AzureWebJobsStorage__clientId is only used with it.',
    );
  }
  if (cs !== undefined) {
    if (hosting === 'azure') {
      problems.add(
        'SETTING_CONFLICT',
        'AzureWebJobsStorage',
        'Remove AzureWebJobsStorage on Azure: the storage account has shared-key access off; use AzureWebJobsStorage__blobServiceUri, __queueServiceUri, __tableServiceUri, __credential=managedidentity and __clientId (infra/ sets them).',
      );
    } else if (identityGiven) {
      problems.add(
        'SETTING_CONFLICT',
        'AzureWebJobsStorage',
        'Set either AzureWebJobsStorage (a connection string) or the AzureWebJobsStorage__* identity settings, not both: the host would use the connection string and ignore the identity.',
      );
    } else if (!looksLikeConnectionString(cs)) {
      problems.add(
        'SETTING_INVALID',
        'AzureWebJobsStorage',
        `Set AzureWebJobsStorage to ${settingMeta('AzureWebJobsStorage').expects}.`,
      );
    }
    return { kind: 'connectionString', connectionString: cs };
  }
  if (!identityGiven) {
    if (hosting === 'azure') {
      for (const name of IDENTITY_URIS) {
        problems.missing(
          name,
          'the Functions host and mailferry reach storage through the managed identity.',
        );
      }
    }
    return { kind: 'embedded' };
  }
  const account = raw.AzureWebJobsStorage__accountName;
  const uri = (name: (typeof IDENTITY_URIS)[number], service: string): string => {
    const given = raw[name];
    if (given) return given.endsWith('/') ? given : `${given}/`;
    if (account) return `https://${account}.${service}.core.windows.net/`;
    if (!problems.has(name))
      problems.missing(name, 'the other identity-based storage settings are set without it.');
    return '';
  };
  return {
    kind: 'identity',
    blobServiceUri: uri('AzureWebJobsStorage__blobServiceUri', 'blob'),
    queueServiceUri: uri('AzureWebJobsStorage__queueServiceUri', 'queue'),
    tableServiceUri: uri('AzureWebJobsStorage__tableServiceUri', 'table'),
    managedIdentityClientId: raw.AzureWebJobsStorage__clientId,
  };
}

export function resolveSecretStore(
  raw: RawSettings,
  hosting: Hosting,
  dataDir: string,
  problems: Problems,
): SecretStoreSettings {
  const kind = raw.MAILFERRY_SECRET_STORE ?? (hosting === 'azure' ? 'keyvault' : 'local');
  if (kind === 'local') {
    if (hosting === 'azure') {
      problems.add(
        'SETTING_CONFLICT',
        'MAILFERRY_SECRET_STORE',
        'Set MAILFERRY_SECRET_STORE to "keyvault" on Azure: the local store is a file on one instance\'s temporary disk, lost on scale-in.',
      );
    }
    return { kind: 'local', dataDir };
  }
  if (!raw.KEY_VAULT_URI) {
    if (!problems.has('KEY_VAULT_URI')) problems.missing('KEY_VAULT_URI', 'the secret store is Key Vault.');
    return { kind: 'keyvault', vaultUri: '' };
  }
  return { kind: 'keyvault', vaultUri: raw.KEY_VAULT_URI };
}

/**
 * The `StorageSettings` shared/storage/clients.ts takes, for the connection-string case (locally).
 * Identity-based storage (Azure) and the not-yet-started embedded Azurite have no connection string:
 * the caller builds clients from `settings.storage` with a credential, or passes the string the
 * embedded runtime hands out.
 */
export function storageSettingsFrom(settings: Pick<Settings, 'storage'>): StorageSettings {
  const s = settings.storage;
  if (s.kind === 'connectionString') return { connectionString: s.connectionString };
  if (s.kind === 'identity') {
    return {
      connectionString: '',
      identity: {
        blobServiceUri: s.blobServiceUri,
        tableServiceUri: s.tableServiceUri,
        clientId: s.managedIdentityClientId,
      },
    };
  }
  throw new CodedError(
    'settings.storageNotConnectionString',
    'No AzureWebJobsStorage connection string is set: start the embedded runtime (it starts Azurite) or set AzureWebJobsStorage.',
    { storageKind: s.kind },
  );
}
