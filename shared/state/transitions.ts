import type { BatchStatus } from '../domain/statuses';
import { stateError } from './errors';

/**
 * The batch lifecycle as one table: for each status, the statuses it may move to. Administrator
 * commands (actions) are defined by the status they lead to, so "what may I do now?" is read off the
 * same table and the two can never disagree.
 *
 *   Created ─start─> Starting ─> Syncing ─> Synced | SyncedWithErrors ─sync/timer─> IncrementalSyncing ─> Synced...
 *   Synced | SyncedWithErrors ─complete─> Completing ─> Completed | CompletedWithErrors
 *   running or synced ─stop─> Stopping ─> Stopped ─start─> Starting
 *   anything at rest ─remove─> Removing (then the rows are deleted)
 *   Failed: ingest or preflight failed, or a run failed; start retries, remove cleans up.
 */
export const BATCH_TRANSITIONS: Readonly<Record<BatchStatus, readonly BatchStatus[]>> = {
  Created: ['Starting', 'Failed', 'Removing'],
  Starting: ['Syncing', 'Stopping', 'Failed'],
  Syncing: ['Synced', 'SyncedWithErrors', 'Stopping', 'Failed'],
  IncrementalSyncing: ['Synced', 'SyncedWithErrors', 'Stopping', 'Failed'],
  Synced: ['IncrementalSyncing', 'Completing', 'Stopping', 'Removing'],
  // Start on SyncedWithErrors retries the failed mailboxes.
  SyncedWithErrors: ['Starting', 'IncrementalSyncing', 'Completing', 'Stopping', 'Removing'],
  Completing: ['Completed', 'CompletedWithErrors', 'Failed'],
  Completed: ['Removing'],
  // Complete again retries finalisation of the mailboxes that failed.
  CompletedWithErrors: ['Completing', 'Removing'],
  Stopping: ['Stopped', 'Failed'],
  Stopped: ['Starting', 'Removing'],
  Failed: ['Starting', 'Removing'],
  Removing: [],
};

/** Administrator commands and the status each one moves the batch to. */
export const BATCH_ACTION_TARGETS = {
  start: 'Starting',
  stop: 'Stopping',
  complete: 'Completing',
  sync: 'IncrementalSyncing',
  remove: 'Removing',
} as const satisfies Record<string, BatchStatus>;
export type BatchAction = keyof typeof BATCH_ACTION_TARGETS;
export const BATCH_ACTIONS = Object.keys(BATCH_ACTION_TARGETS) as BatchAction[];

export function canTransition(from: BatchStatus, to: BatchStatus): boolean {
  return BATCH_TRANSITIONS[from].includes(to);
}

/** The commands an administrator may give a batch in `status` (for 409 answers and the dashboard). */
export function allowedActions(status: BatchStatus): BatchAction[] {
  return BATCH_ACTIONS.filter((a) => canTransition(status, BATCH_ACTION_TARGETS[a]));
}

/** BATCH_ILLEGAL_TRANSITION (409) with the current status and the actions that are allowed. */
export function illegalTransition(
  batchId: string,
  status: BatchStatus,
  requested: { action?: BatchAction; to?: BatchStatus },
) {
  const allowed = allowedActions(status);
  const what = requested.action ? `"${requested.action}"` : `a move to ${requested.to ?? '?'}`;
  const hint =
    allowed.length > 0 ? `Allowed now: ${allowed.join(', ')}.` : 'No action is allowed in this status.';
  return stateError(
    'BATCH_ILLEGAL_TRANSITION',
    `Batch ${batchId} is ${status}; ${what} is not possible. ${hint}`,
    {
      batchId,
      status,
      ...requested,
      allowedActions: allowed,
    },
  );
}
