import type { TableClient, TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { MAILBOX_STATUSES, type MailboxStatus } from '../domain/statuses';
import { dbl, numberColumn, parseEntity } from './codec';
import { httpStatusOf } from './errors';
import { COUNTS_ROW_KEY, mailboxPartitionKey } from './keys';
import { MAILBOX_PARTITIONS, TABLE_NAMES } from './limits';
import { zeroCounts, type MailboxCounts } from './model';

/**
 * Per-batch mailbox counts, one column per status, kept in a row of each of the batch's mailbox
 * partitions; the batch's counts are their sum (MAILBOX_PARTITIONS point reads).
 *
 * Why there and not on the batch row: a mailbox status change and the count change it implies are
 * then written in ONE entity-group transaction, both conditional on the ETags just read. Either both
 * land or neither does, so the counts cannot drift, not even when a process dies between two writes
 * (with the counts on the batch row, two separate writes, a crash in between leaves them off for
 * good, and a retried activity that finds the mailbox already moved would not fix them).
 *
 * Concurrency: each counts row is exactly the tally of its own partition's mailboxes. Concurrent
 * updaters of mailboxes in different partitions touch different rows; those in the same partition
 * meet on its counts row, the losers get 412, re-read and re-apply, so every change counts once.
 */

const countsEntitySchema = z.object({
  etag: z.string(),
  ...Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, numberColumn.optional()])),
});

export interface CountsSnapshot {
  counts: MailboxCounts;
  /** Absent when the row does not exist yet. */
  etag?: string;
}

export async function readShard(table: TableClient, batchId: string, shard: number): Promise<CountsSnapshot> {
  const partitionKey = mailboxPartitionKey(batchId, shard);
  try {
    const raw = await table.getEntity(partitionKey, COUNTS_ROW_KEY);
    const parsed = parseEntity(countsEntitySchema, raw, {
      table: TABLE_NAMES.mailboxes,
      partitionKey,
      rowKey: COUNTS_ROW_KEY,
    }) as Record<string, unknown> & { etag: string };
    const counts = zeroCounts();
    for (const s of MAILBOX_STATUSES) counts[s] = typeof parsed[s] === 'number' ? parsed[s] : 0;
    return { counts, etag: parsed.etag };
  } catch (err) {
    if (httpStatusOf(err) === 404) return { counts: zeroCounts() };
    throw err;
  }
}

/** The batch's counts: the sum over its partitions. */
export async function readCounts(table: TableClient, batchId: string): Promise<MailboxCounts> {
  const shards = await Promise.all(
    Array.from({ length: MAILBOX_PARTITIONS }, (_, shard) => readShard(table, batchId, shard)),
  );
  const total = zeroCounts();
  for (const shard of shards) for (const s of MAILBOX_STATUSES) total[s] += shard.counts[s];
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

/** The transaction step that writes a counts row: conditional update if it was read, else create. */
export function countsWrite(
  partitionKey: string,
  snapshot: CountsSnapshot,
  counts: MailboxCounts,
): TransactionAction {
  const entity = {
    partitionKey,
    rowKey: COUNTS_ROW_KEY,
    ...Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, dbl(counts[s])])),
  };
  return snapshot.etag ? ['update', entity, 'Replace', { etag: snapshot.etag }] : ['create', entity];
}
