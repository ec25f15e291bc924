import { STORE_PARTITIONS } from './limits';

/**
 * Where an instance's rows live. Every instance is hashed into one of STORE_PARTITIONS partitions,
 * and all its rows (state, history, inbox) share that partition under the row-key prefix
 * `<escaped instance id>|`, so one instance's episode still commits atomically and several
 * instances' episodes can commit in one transaction.
 */

/** Characters Table Storage refuses in keys, plus `%` (the escape) and `|` (our separator). */
const UNSAFE_KEY_CHARS = new Set(['%', '/', '\\', '#', '?', '|']);
const isControl = (code: number): boolean => code < 0x20 || (code >= 0x7f && code <= 0x9f);

function escapeId(instanceId: string): string {
  let out = '';
  for (const c of instanceId) {
    const code = c.charCodeAt(0);
    out +=
      UNSAFE_KEY_CHARS.has(c) || isControl(code) ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : c;
  }
  return out;
}

/** FNV-1a over the id's UTF-16 code units: stable across processes and versions. */
export function partitionOf(instanceId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < instanceId.length; i++) {
    hash ^= instanceId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `p${String(hash % STORE_PARTITIONS).padStart(2, '0')}`;
}

/** The row-key prefix of all rows of one instance. */
export const instancePrefix = (instanceId: string): string => `${escapeId(instanceId)}|`;
export const stateRowKey = (instanceId: string): string => `${instancePrefix(instanceId)}~state`;
export const historyPrefix = (instanceId: string, executionId: string): string =>
  `${instancePrefix(instanceId)}h-${executionId}-`;
export const inboxPrefix = (instanceId: string): string => `${instancePrefix(instanceId)}i-`;
export const pad = (n: number): string => String(n).padStart(9, '0');

/** The value that marks an instance's state row (so that all instances can be listed). */
export const STATE_KIND = 'state';

/** The exclusive upper bound of the keys that start with `prefix` (its last character, plus one). */
export function upperBound(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
