import type { ErrorCode } from '../domain/codes';
import { CodedError } from '../domain/errors';

/**
 * Where credentials live: endpoint passwords and client secrets, and the passwords a CSV carried.
 * Tables keep only a reference (`secret:<name>`, see refs.ts). Implementations: LocalSecretStore (an
 * encrypted file under the data folder) and KeyVaultSecretStore (Azure Key Vault).
 */
export interface SecretStore {
  set(name: string, value: string): Promise<void>;
  /** Many at once: one file write locally, bounded parallel calls on Key Vault (CSV ingest). */
  setMany(entries: ReadonlyArray<readonly [name: string, value: string]>): Promise<void>;
  /** The value, or undefined when there is no such secret. */
  get(name: string): Promise<string | undefined>;
  /** True if a secret was deleted. */
  delete(name: string): Promise<boolean>;
  /** Deletes every secret whose name starts with `prefix` (a removed batch); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
}

/** Secret names: what both stores accept (Key Vault then maps them to its own charset). */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,126}$/;
/** Key Vault takes at most 25 KiB per value; one limit for both stores keeps them interchangeable. */
export const MAX_SECRET_VALUE_BYTES = 24 * 1024;

/** The codes the secret stores throw (their HTTP status and hint: shared/domain/codes.ts). */
export const SECRET_ERROR_CODES = [
  'SECRET_NAME_INVALID',
  'SECRET_VALUE_INVALID',
  'SECRET_REF_INVALID',
  'SECRET_KEY_MISSING',
  'SECRET_KEY_INVALID',
  'SECRET_STORE_UNREADABLE',
  'SECRET_STORE_UNAVAILABLE',
] as const satisfies readonly ErrorCode[];
export type SecretErrorCode = (typeof SECRET_ERROR_CODES)[number];

export function secretError(
  code: SecretErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): CodedError {
  return new CodedError(code, message, details);
}

export function checkSecretName(name: string): void {
  if (typeof name !== 'string' || !SECRET_NAME_PATTERN.test(name)) {
    throw secretError(
      'SECRET_NAME_INVALID',
      'A secret name is 1-127 letters, digits, ".", "_" or "-", starting with a letter or digit.',
      { name: typeof name === 'string' ? name.slice(0, 130) : typeof name },
    );
  }
}

/** Checks a value without ever putting it in the error. */
export function checkSecretValue(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw secretError('SECRET_VALUE_INVALID', `Secret ${name} must be a non-empty string.`, { name });
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_VALUE_BYTES) {
    throw secretError(
      'SECRET_VALUE_INVALID',
      `Secret ${name} is larger than ${MAX_SECRET_VALUE_BYTES} bytes.`,
      { name },
    );
  }
}
