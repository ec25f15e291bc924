import type { TableClient, TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { MAILBOX_STATUSES, type MailboxStatus } from '../domain/statuses';
import { dbl, numberColumn, parseEntity } from './codec';
import { httpStatusOf } from './errors';
import { COUNTS_ROW_KEY } from './keys';
import { TABLE_NAMES } from './limits';
import { zeroCounts, type MailboxCounts } from './model';

/**
 * Per-batch mailbox counts, one column per status, in a row of the batch's own mailbox partition.
 *
 * Why there and not on the batch row: a mailbox status change and the count change it implies are
 * then written in ONE entity-group transaction, both conditional on the ETags just read. Either both
 * land or neither does, so the counts cannot drift, not even when a process dies between two writes
 * (with the counts on the batch row, two separate writes, a crash in between leaves them off for
 * good, and a retried activity that finds the mailbox already moved would not fix them). Twenty
 * concurrent updaters all contend on this row: each loser gets 412, re-reads and re-applies, so every
 * change is counted exactly once. Reading a batch joins this row (one extra point read).
 */

const countsEntitySchema = z.object({
  etag: z.string(),
  ...Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, numberColumn.optional()])),
});

export interface CountsSnapshot {
  counts: MailboxCounts;
  /** Absent when the row does not exist yet (no mailbox added). */
  etag?: string;
}

export async function readCounts(table: TableClient, batchId: string): Promise<CountsSnapshot> {
  try {
    const raw = await table.getEntity(batchId, COUNTS_ROW_KEY);
    const parsed = parseEntity(countsEntitySchema, raw, {
      table: TABLE_NAMES.mailboxes,
      partitionKey: batchId,
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

export function totalOf(counts: MailboxCounts): number {
  return MAILBOX_STATUSES.reduce((sum, s) => sum + counts[s], 0);
}

export function withDelta(
  counts: MailboxCounts,
  remove: MailboxStatus | undefined,
  add: MailboxStatus,
  n = 1,
): MailboxCounts {
  const next = { ...counts };
  if (remove) next[remove] = Math.max(0, next[remove] - n);
  next[add] += n;
  return next;
}

/** The transaction step that writes `counts`: conditional update if the row was read, else create. */
export function countsWrite(
  batchId: string,
  snapshot: CountsSnapshot,
  counts: MailboxCounts,
): TransactionAction {
  const entity = {
    partitionKey: batchId,
    rowKey: COUNTS_ROW_KEY,
    ...Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, dbl(counts[s])])),
  };
  return snapshot.etag ? ['update', entity, 'Replace', { etag: snapshot.etag }] : ['create', entity];
}
