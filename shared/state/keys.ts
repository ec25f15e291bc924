import { randomBytes } from 'node:crypto';
import { BATCH_ID_LENGTH, MAILBOX_PARTITIONS } from './limits';

/**
 * Row and partition keys. Table keys may not contain `/ \ # ?` or control characters; values that
 * come from users (addresses, names) are escaped, so any input gives a valid, unique key.
 */

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A short random id: 12 characters of [a-z0-9] (about 62 bits), safe in URLs, blob and Key Vault names. */
export function newBatchId(): string {
  const bytes = randomBytes(BATCH_ID_LENGTH * 2);
  let id = '';
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 36).
  for (const b of bytes) {
    if (b >= 252) continue;
    id += ID_ALPHABET[b % 36];
    if (id.length === BATCH_ID_LENGTH) return id;
  }
  return newBatchId();
}

export const BATCH_ID_PATTERN = /^[a-z0-9]{4,32}$/;

/** The form an address is compared and keyed in: trimmed, Unicode NFC, lower case. */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** Escapes the characters Table keys forbid (and `%` itself, so the mapping stays one-to-one). */
export function escapeKey(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[%/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
    return `%${hex}`;
  });
}

export function mailboxRowKey(email: string): string {
  return escapeKey(normaliseEmail(email));
}

/**
 * A batch's mailboxes are spread over MAILBOX_PARTITIONS partitions `<batchId>.<n>`, n chosen by a
 * hash of the row key. Why not one partition per batch: Azurite (the local runtime's storage) finds a
 * row by scanning its whole partition, so with 50,000 mailboxes in one partition every write cost
 * milliseconds and an ingest took minutes; on Azure, a partition also has its own throughput target.
 * Each partition holds its own counts row (see counts.ts), so a status change stays one transaction.
 */
export function mailboxShard(rowKey: string): number {
  // FNV-1a: stable across versions and processes, cheap, evenly spread.
  let h = 0x811c9dc5;
  for (let i = 0; i < rowKey.length; i++) {
    h ^= rowKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % MAILBOX_PARTITIONS;
}

export const mailboxPartitionKey = (batchId: string, shard: number): string => `${batchId}.${shard}`;
export const mailboxPartitionOf = (batchId: string, email: string): string =>
  mailboxPartitionKey(batchId, mailboxShard(mailboxRowKey(email)));
/** The batch id of a mailbox partition key, or undefined if the key is not one. */
export function batchIdOfPartition(partitionKey: string): string | undefined {
  const m = /^([a-z0-9]+)\.\d+$/.exec(partitionKey);
  return m?.[1];
}
/** Bounds of all partitions of a batch: PartitionKey ge from and lt to. */
export const mailboxPartitionRange = (batchId: string): { from: string; to: string } => ({
  from: `${batchId}.`,
  to: prefixUpperBound(`${batchId}.`),
});

/**
 * The counts row of each mailbox partition. It starts with `%%`, which no mailbox key can: escapeKey
 * turns every `%` of an address into `%25`, so in a mailbox key `%` is always followed by hex digits.
 */
export const COUNTS_ROW_KEY = '%%counts';

/** All batch rows share one partition, so a batch and its name reservation commit in one transaction. */
export const BATCHES_PARTITION = 'batches';
export const batchRowKey = (id: string): string => `id:${id}`;
export const BATCH_ROW_PREFIX = 'id:';
export const batchNameRowKey = (name: string): string =>
  `name:${escapeKey(name.trim().normalize('NFC').toLowerCase())}`;
/** Rows holding slices of a batch's validation-error list: `verr:<id>:` or, for one generation, `verr:<id>:<gen>:`. */
export const validationChunkPrefix = (id: string, generation?: number): string =>
  generation === undefined ? `verr:${id}:` : `verr:${id}:${String(generation).padStart(6, '0')}:`;
export const validationChunkRowKey = (id: string, generation: number, index: number): string =>
  `${validationChunkPrefix(id, generation)}${String(index).padStart(6, '0')}`;

export const ENDPOINTS_PARTITION = 'endpoints';
export const endpointRowKey = (name: string): string => name.toLowerCase();

/** The exclusive upper bound of a RowKey range that starts with `prefix`. */
export function prefixUpperBound(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
