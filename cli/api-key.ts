import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../local/private-dir';
import { badInput } from './exit-codes';

/** Shorter keys can be guessed; the app's settings (MAILFERRY_API_KEY) ask for the same length. */
export const MIN_API_KEY_LENGTH = 16;

/**
 * The embedded runtime's API key: MAILFERRY_API_KEY when set, otherwise one generated on first
 * start and kept (mode 0600) in the data folder. `isNew` tells the caller to print it once.
 * A key that is empty or too short stops the start (API_KEY_TOO_SHORT): serving with it would
 * either open every route or answer every call with an error.
 */
export function apiKeyFor(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { key: string; isNew: boolean } {
  if (env.MAILFERRY_API_KEY !== undefined)
    return { key: checked(env.MAILFERRY_API_KEY, 'MAILFERRY_API_KEY'), isNew: false };
  const file = path.join(dataDir, 'api-key');
  if (existsSync(file)) return { key: checked(readFileSync(file, 'utf8').trim(), file), isNew: false };
  ensurePrivateDir(dataDir);
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, key, { mode: 0o600 });
  return { key, isNew: true };
}

function checked(key: string, source: string): string {
  if (key.trim().length >= MIN_API_KEY_LENGTH) return key.trim();
  const fix =
    source === 'MAILFERRY_API_KEY'
      ? 'set MAILFERRY_API_KEY to a random value of at least 16 characters (or unset it to use the key file)'
      : `put a random key of at least 16 characters in ${source}, or delete the file to have a new one generated`;
  throw badInput(
    'API_KEY_TOO_SHORT',
    `the API key from ${source} is ${key.trim() ? `only ${key.trim().length} characters` : 'empty'}; ${fix}.`,
  );
}
