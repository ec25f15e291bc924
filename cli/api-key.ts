import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The embedded runtime's API key: MAILFERRY_API_KEY when set, otherwise one generated on first
 * start and kept (mode 0600) in the data folder. `isNew` tells the caller to print it once.
 */
export function apiKeyFor(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { key: string; isNew: boolean } {
  if (env.MAILFERRY_API_KEY) return { key: env.MAILFERRY_API_KEY, isNew: false };
  const file = path.join(dataDir, 'api-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), isNew: false };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, key, { mode: 0o600 });
  return { key, isNew: true };
}
