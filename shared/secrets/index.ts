/** The secret store: encrypted file locally, Key Vault on Azure; tables keep `secret:<name>` references. */
import { KeyVaultSecretStore } from './keyvault';
import { LocalSecretStore } from './local';
import type { SecretStore } from './store';

export type { SecretStore, SecretErrorCode } from './store';
export { SECRET_NAME_PATTERN, MAX_SECRET_VALUE_BYTES, checkSecretName } from './store';
export { LocalSecretStore, SECRETS_FILE, KEY_FILE } from './local';
export type { LocalSecretStoreOptions } from './local';
export { KeyVaultSecretStore, keyVaultSecretName } from './keyvault';
export type { KeyVaultSecretStoreOptions } from './keyvault';
export {
  SECRET_REF_PREFIX,
  secretRef,
  isSecretRef,
  parseSecretRef,
  batchSecretPrefix,
  batchMailboxSecretName,
  endpointSecretName,
} from './refs';

export type SecretStoreConfig = { kind: 'local'; dataDir: string } | { kind: 'keyvault'; vaultUrl: string };

/** Key Vault when a vault URL is configured (Azure), the encrypted file under the data folder otherwise. */
export function createSecretStore(config: SecretStoreConfig): SecretStore {
  return config.kind === 'keyvault'
    ? new KeyVaultSecretStore({ vaultUrl: config.vaultUrl })
    : new LocalSecretStore({ dataDir: config.dataDir });
}
