import type { SecretStore } from '../secrets/store';
import { endpointSecretName, secretRef } from '../secrets/refs';
import type { PimPasswords } from './requests';

/**
 * The dav / ews login passwords go to the secret store; their settings block keeps only
 * `password: "secret:<name>"`. Mutates `settings` (the request's own copy) before it is stored.
 */
export async function storePimPasswords(
  secrets: SecretStore,
  endpoint: string,
  settings: Record<string, unknown>,
  passwords: PimPasswords,
): Promise<void> {
  for (const kind of ['dav', 'ews'] as const) {
    const value = passwords?.[kind];
    const block = settings[kind];
    if (!value || !block || typeof block !== 'object') continue;
    const name = `${endpointSecretName(endpoint)}-${kind}`;
    await secrets.set(name, value);
    (block as Record<string, unknown>).password = secretRef(name);
  }
}
