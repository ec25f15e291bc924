import { createHash } from 'node:crypto';
import { SECRET_NAME_PATTERN, secretError } from './store';

/**
 * References stored in tables instead of secrets (`secret:<name>`), and the names we give secrets.
 * Names carry no address and no password: a CSV password is named after the batch id and a hash of
 * the normalised address, so a listing of the vault reveals nothing about the people in a batch.
 */

export const SECRET_REF_PREFIX = 'secret:';

export function secretRef(name: string): string {
  return `${SECRET_REF_PREFIX}${name}`;
}

export function isSecretRef(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith(SECRET_REF_PREFIX) &&
    SECRET_NAME_PATTERN.test(value.slice(7))
  );
}

/** The secret name inside a reference; SECRET_REF_INVALID if it is not one (the value is not echoed). */
export function parseSecretRef(ref: string): string {
  if (!isSecretRef(ref)) {
    throw secretError('SECRET_REF_INVALID', 'Expected a secret reference of the form secret:<name>.', {});
  }
  return ref.slice(SECRET_REF_PREFIX.length);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** All secrets of a batch start with this; `deletePrefix(batchSecretPrefix(id))` cleans a removed batch. */
export function batchSecretPrefix(batchId: string): string {
  return `batch-${batchId}-`;
}

/** `batch-<id>-<first 32 hex of sha256(normalised address)>`: the CSV password of one mailbox. */
export function batchMailboxSecretName(batchId: string, email: string): string {
  const normalised = email.trim().normalize('NFC').toLowerCase();
  return `${batchSecretPrefix(batchId)}${sha256Hex(normalised).slice(0, 32)}`;
}

/**
 * `endpoint-<name>` for the endpoint's password or client secret. Endpoint names are not secret; a
 * name outside [a-z0-9-] is hashed so the result maps to Key Vault unchanged.
 */
export function endpointSecretName(endpointName: string): string {
  const lower = endpointName.toLowerCase();
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(lower) && lower.length <= 100
    ? `endpoint-${lower}`
    : `endpoint-${sha256Hex(lower).slice(0, 32)}`;
}
