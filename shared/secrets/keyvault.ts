import { createHash } from 'node:crypto';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import pLimit from 'p-limit';
import { checkSecretName, checkSecretValue, secretError, type SecretStore } from './store';

/** Parallel Key Vault calls for bulk work (Key Vault throttles at a few thousand calls per 10 s per vault). */
const KEY_VAULT_CONCURRENCY = 4;
const MAX_KEY_VAULT_NAME = 127;
/** Tag holding our own name, so prefixes can be matched whatever the vault-side name became. */
const NAME_TAG = 'mailferryName';

/**
 * Key Vault names are 1-127 of [0-9a-zA-Z-] and case-insensitive. Names already in lower-case
 * `word-word` form are used unchanged (all names refs.ts makes are); any other name becomes
 * `x--<hex of its UTF-8>`, or `h--<sha256>` when that would be too long. Canonical names never contain
 * `--`, so the mapping is one-to-one (up to sha256 collisions for very long odd names).
 */
export function keyVaultSecretName(name: string): string {
  if (name.length <= MAX_KEY_VAULT_NAME && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) return name;
  const hex = Buffer.from(name, 'utf8').toString('hex');
  if (hex.length + 3 <= MAX_KEY_VAULT_NAME) return `x--${hex}`;
  return `h--${createHash('sha256').update(name, 'utf8').digest('hex')}`;
}

export interface KeyVaultSecretStoreOptions {
  /** e.g. https://mailferry-kv.vault.azure.net */
  vaultUrl: string;
  /** Defaults to DefaultAzureCredential (managed identity on Azure, az login locally). */
  credential?: TokenCredential;
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** Secrets in Azure Key Vault. Thin by intent: Key Vault does the storing, versioning and access control. */
export class KeyVaultSecretStore implements SecretStore {
  readonly client: SecretClient;
  private readonly vaultUrl: string;

  constructor(options: KeyVaultSecretStoreOptions) {
    this.vaultUrl = options.vaultUrl;
    this.client = new SecretClient(options.vaultUrl, options.credential ?? new DefaultAzureCredential());
  }

  async set(name: string, value: string): Promise<void> {
    checkSecretName(name);
    checkSecretValue(name, value);
    const vaultName = keyVaultSecretName(name);
    const put = () => this.client.setSecret(vaultName, value, { tags: { [NAME_TAG]: name } });
    try {
      await put();
    } catch (err) {
      // A soft-deleted secret of the same name blocks the name until purged.
      if (statusOf(err) !== 409) throw this.unavailable('set', name, err);
      try {
        await this.client.purgeDeletedSecret(vaultName);
        await put();
      } catch (again) {
        throw this.unavailable('set', name, again);
      }
    }
  }

  async setMany(entries: ReadonlyArray<readonly [string, string]>): Promise<void> {
    for (const [name, value] of entries) {
      checkSecretName(name);
      checkSecretValue(name, value);
    }
    const limit = pLimit(KEY_VAULT_CONCURRENCY);
    await Promise.all(entries.map(([name, value]) => limit(() => this.set(name, value))));
  }

  async get(name: string): Promise<string | undefined> {
    checkSecretName(name);
    try {
      return (await this.client.getSecret(keyVaultSecretName(name))).value;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.unavailable('get', name, err);
    }
  }

  async delete(name: string): Promise<boolean> {
    checkSecretName(name);
    const vaultName = keyVaultSecretName(name);
    try {
      const poller = await this.client.beginDeleteSecret(vaultName);
      await poller.pollUntilDone();
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw this.unavailable('delete', name, err);
    }
    // Purge so the name can be used again; without purge permission the soft-deleted copy expires by itself.
    await this.client.purgeDeletedSecret(vaultName).catch(() => undefined);
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    if (prefix.length === 0)
      throw secretError('SECRET_NAME_INVALID', 'deletePrefix needs a non-empty prefix.');
    const names: string[] = [];
    try {
      for await (const p of this.client.listPropertiesOfSecrets()) {
        const ours = p.tags?.[NAME_TAG];
        if (ours?.startsWith(prefix)) names.push(ours);
      }
    } catch (err) {
      throw this.unavailable('list', prefix, err);
    }
    const limit = pLimit(KEY_VAULT_CONCURRENCY);
    const deleted = await Promise.all(names.map((n) => limit(() => this.delete(n))));
    return deleted.filter(Boolean).length;
  }

  /** A coded error with the HTTP status and service code only: no value, no token, no stack. */
  private unavailable(operation: string, name: string, err: unknown) {
    const status = statusOf(err);
    const code = (err as { code?: unknown } | null)?.code;
    return secretError(
      'SECRET_STORE_UNAVAILABLE',
      `Key Vault ${this.vaultUrl} refused or failed to ${operation} secret ${name}` +
        `${status ? ` (HTTP ${status}${typeof code === 'string' ? ` ${code}` : ''})` : ''}. ` +
        'Check that the app identity has the Key Vault Secrets Officer role and that the vault is reachable.',
      { operation, name, httpStatus: status, serviceCode: typeof code === 'string' ? code : undefined },
    );
  }
}
