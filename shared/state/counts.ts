import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { MAILBOX_STATUSES, type MailboxStatus } from '../domain/statuses';
import { dbl, numberColumn, parseEntity } from './codec';
import { httpStatusOf } from './errors';
import { COUNTS_KEY_END, COUNTS_KEY_PREFIX, countsRowKey } from './keys';
import { COUNT_SHARDS, TABLE_NAMES } from './limits';
import { zeroCounts, type MailboxCounts } from './model';

/**
 * Per-batch mailbox counts, one column per status, kept in rows of the batch's own mailbox partition.
 *
 * Why there and not on the batch row: a mailbox status change and the count change it implies are
 * then written in ONE entity-group transaction, both conditional on the ETags just read. Either both
 * land or neither does, so the counts cannot drift, not even when a process dies between two writes
 * (with the counts on the batch row, two separate writes, a crash in between leaves them off for
 * good, and a retried activity that finds the mailbox already moved would not fix them).
 *
 * Why several rows (shards): every mailbox counts in the shard its key hashes to, so each shard is
 * exactly the tally of its own mailboxes. Concurrent updaters of different mailboxes then mostly hit
 * different rows; those that do meet get 412, re-read and re-apply, so every change counts once.
 * The batch's counts are the sum of the shards: one range query.
 */

const countsEntitySchema = z.object({
  etag: z.string(),
  ...Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, numberColumn.optional()])),
});

export interface ShardSnapshot {
  counts: MailboxCounts;
  /** Absent when the row does not exist yet. */
  etag?: string;
}

/** FNV-1a of the mailbox row key: stable, cheap, evenly spread. */
export function shardOf(rowKey: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < rowKey.length; i++) {
    h ^= rowKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % COUNT_SHARDS;
}

function parseShard(raw: Record<string, unknown>, batchId: string): ShardSnapshot {
  const parsed = parseEntity(countsEntitySchema, raw, {
    table: TABLE_NAMES.mailboxes,
    partitionKey: batchId,
    rowKey: String(raw.rowKey),
  }) as Record<string, unknown> & { etag: string };
  const counts = zeroCounts();
  for (const s of MAILBOX_STATUSES) counts[s] = typeof parsed[s] === 'number' ? parsed[s] : 0;
  return { counts, etag: parsed.etag };
}

export async function readShard(table: TableClient, batchId: string, shard: number): Promise<ShardSnapshot> {
  try {
    return parseShard(await table.getEntity(batchId, countsRowKey(shard)), batchId);
  } catch (err) {
    if (httpStatusOf(err) === 404) return { counts: zeroCounts() };
    throw err;
  }
}

/** Every shard of a batch (missing ones as zero, without ETag), read with one range query. */
export async function readShards(table: TableClient, batchId: string): Promise<ShardSnapshot[]> {
  const shards: ShardSnapshot[] = Array.from({ length: COUNT_SHARDS }, () => ({ counts: zeroCounts() }));
  const filter = odata`PartitionKey eq ${batchId} and RowKey ge ${COUNTS_KEY_PREFIX} and RowKey lt ${COUNTS_KEY_END}`;
  for await (const raw of table.listEntities({ queryOptions: { filter } })) {
    const shard = Number(String(raw.rowKey).slice(COUNTS_KEY_PREFIX.length));
    if (Number.isInteger(shard) && shard >= 0 && shard < COUNT_SHARDS)
      shards[shard] = parseShard(raw, batchId);
  }
  return shards;
}

/** The batch's counts: the sum of its shards. */
export async function readCounts(table: TableClient, batchId: string): Promise<MailboxCounts> {
  const total = zeroCounts();
  for (const shard of await readShards(table, batchId)) {
    for (const s of MAILBOX_STATUSES) total[s] += shard.counts[s];
  }
  return total;
}

export function totalOf(counts: MailboxCounts): number {
  return MAILBOX_STATUSES.reduce((sum, s) => sum + counts[s], 0);
}

export function withDelta(
  counts: MailboxCounts,
  remove: MailboxStatus | undefined,
  add: MailboxStatus,
): MailboxCounts {
  const next = { ...counts };
  if (remove) next[remove] = Math.max(0, next[remove] - 1);
  next[add] += 1;
  return next;
}

/** The transaction step that writes a shard: conditional update if the row was read, else create. */
export function shardWrite(
  batchId: string,
  shard: number,
  snapshot: ShardSnapshot,
  counts: MailboxCounts,
): TransactionAction {
  const entity = {
    partitionKey: batchId,
    rowKey: countsRowKey(shard),
    ...Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, dbl(counts[s])])),
  };
  return snapshot.etag ? ['update', entity, 'Replace', { etag: snapshot.etag }] : ['create', entity];
}
