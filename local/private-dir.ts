import { mkdirSync } from 'node:fs';

/**
 * Creates a folder only its owner can enter (0700): the data folder holds the API key, the local
 * secret store and the storage files, none of which another local user may read.
 * A folder that already exists keeps the mode its owner gave it.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
