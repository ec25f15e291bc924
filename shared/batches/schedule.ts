import type { Batch, BatchAction } from '../state';

/** What the scheduler should do with a batch now, if anything (see functions/batch-scheduler.ts). */
export function dueAction(batch: Batch, now: Date): BatchAction | undefined {
  const at = (iso: string | undefined): number => (iso ? Date.parse(iso) : Number.NaN);
  if (batch.status === 'Created' && at(batch.options.startAfter) <= now.getTime()) return 'start';
  if (batch.status !== 'Synced' && batch.status !== 'SyncedWithErrors') return undefined;
  if (at(batch.options.completeAfter) <= now.getTime()) return 'complete';
  const last = Date.parse(batch.lastSyncedAt ?? batch.startedAt ?? batch.createdAt);
  return now.getTime() - last >= batch.options.incrementalSyncIntervalHours * 3_600_000 ? 'sync' : undefined;
}
