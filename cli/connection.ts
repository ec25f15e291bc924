import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { badInput } from './exit-codes';

/**
 * Where the service is and which key to send. The url comes from `--url`, MAILFERRY_URL or the
 * local default; the key from `--key`, MAILFERRY_API_KEY, or (for a local url only) the key file
 * `mailferry serve` wrote into its data folder, so a local instance needs no setup.
 */
export const DEFAULT_URL = 'http://127.0.0.1:7071';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export interface ConnectionOptions {
  url?: string;
  key?: string;
}

export interface Connection {
  /** Base url without a trailing slash, e.g. http://127.0.0.1:7071 */
  url: string;
  key?: string;
}

export function resolveConnection(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Connection {
  const raw = options.url ?? env.MAILFERRY_URL ?? DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw badInput('URL_INVALID', `--url: "${raw}" is not a URL; use e.g. ${DEFAULT_URL}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw badInput('URL_INVALID', `--url: use http:// or https://, not ${parsed.protocol}`);
  const url = parsed.href.replace(/\/+$/, '');
  const key = options.key ?? env.MAILFERRY_API_KEY ?? localKey(parsed, env, cwd);
  return { url, key: key || undefined };
}

function localKey(url: URL, env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  if (!LOCAL_HOSTS.has(url.hostname)) return undefined;
  const file = path.resolve(cwd, env.MAILFERRY_DATA_DIR ?? '.mailferry', 'api-key');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
