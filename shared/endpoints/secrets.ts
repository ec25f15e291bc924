import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../secrets/store';
import { endpointSecretName, parseSecretRef, secretRef } from '../secrets/refs';

/**
 * An endpoint's password is written under a new name each time it is given, and the row is then
 * pointed at it. A create or update that is refused after the secret was written (name taken,
 * invalid settings, a concurrent change) only leaves its own new secret behind, which is deleted:
 * the password the endpoint uses now is never overwritten by a request that did not go through.
 */
export function newEndpointSecretName(endpointName: string): string {
  return `${endpointSecretName(endpointName)}-${randomBytes(6).toString('hex')}`;
}

/** Writes `password` under a fresh name, runs `write` (which stores the reference), undoes on failure. */
export async function withNewSecret<T>(
  secrets: SecretStore,
  endpointName: string,
  password: string | undefined,
  write: (ref: string | undefined) => Promise<T>,
): Promise<T> {
  if (password === undefined) return write(undefined);
  const name = newEndpointSecretName(endpointName);
  await secrets.set(name, password);
  try {
    return await write(secretRef(name));
  } catch (e) {
    await secrets.delete(name).catch(() => undefined);
    throw e;
  }
}

/** Deletes the secret a reference names, and the name endpoints used before names were versioned. */
export async function deleteEndpointSecret(
  secrets: SecretStore,
  endpointName: string,
  ref: string | undefined,
): Promise<void> {
  if (ref) await secrets.delete(parseSecretRef(ref));
  await secrets.delete(endpointSecretName(endpointName));
}
