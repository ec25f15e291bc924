import type { BatchStatus, MailboxStatus } from '../domain/statuses';

/** Orchestration and activity names, shared by the orchestrators that call them and the activities. */
export const ORCHESTRATIONS = {
  migrateBatch: 'migrateBatch',
  migrateMailbox: 'migrateMailbox',
  provisionMailbox: 'provisionMailbox',
  removeBatch: 'removeBatch',
  migrateBatchSlot: 'migrateBatchSlot',
  planBatch: 'planBatch',
} as const;

export const ACTIVITIES = {
  beginBatch: 'beginBatch',
  endBatch: 'endBatch',
  beginMailbox: 'beginMailbox',
  provisionTarget: 'provisionTarget',
  copyMailboxChunk: 'copyMailboxChunk',
  copyPimChunk: 'copyPimChunk',
  endMailbox: 'endMailbox',
  writeBatchReport: 'writeBatchReport',
  removeBatchData: 'removeBatchData',
  setForwarding: 'setForwarding',
  writeCutoverPack: 'writeCutoverPack',
  claimMailbox: 'claimMailbox',
  stopBatchRun: 'stopBatchRun',
  planBatchCopy: 'planBatchCopy',
  recordBatchWarning: 'recordBatchWarning',
  storeStagedSecrets: 'storeStagedSecrets',
  planBatchPage: 'planBatchPage',
} as const;

/** The event the stop action raises: the batch schedules no more mailboxes and drains. */
export const STOP_EVENT = 'stop';

/** One orchestration per batch at a time: start, incremental sync and complete share this id. */
export const batchInstanceId = (batchId: string): string => `batch-${batchId}`;

/** What a batch run does: the first copy, a scheduled or on-demand incremental pass, or the final one. */
export type SyncMode = 'initial' | 'incremental' | 'final';

/** Statuses a run moves through, per mode (the names of shared/domain/statuses.ts). */
export const MODE_STATUSES: Record<
  SyncMode,
  {
    batchRunning: BatchStatus;
    batchDone: BatchStatus;
    batchDoneWithErrors: BatchStatus;
    mailboxRunning: MailboxStatus;
    mailboxDone: MailboxStatus;
    mailboxFailed: MailboxStatus;
  }
> = {
  initial: {
    batchRunning: 'Syncing',
    batchDone: 'Synced',
    batchDoneWithErrors: 'SyncedWithErrors',
    mailboxRunning: 'Syncing',
    mailboxDone: 'Synced',
    mailboxFailed: 'Failed',
  },
  incremental: {
    batchRunning: 'IncrementalSyncing',
    batchDone: 'Synced',
    batchDoneWithErrors: 'SyncedWithErrors',
    mailboxRunning: 'IncrementalSyncing',
    mailboxDone: 'IncrementalSynced',
    mailboxFailed: 'IncrementalFailed',
  },
  final: {
    batchRunning: 'Completing',
    batchDone: 'Completed',
    batchDoneWithErrors: 'CompletedWithErrors',
    mailboxRunning: 'Completing',
    mailboxDone: 'Completed',
    mailboxFailed: 'Failed',
  },
};

export interface BatchRunInput {
  batchId: string;
  mode: SyncMode;
}

/**
 * The start of a batch run. The mailboxes themselves stay in Table Storage (the run's plan, see
 * shared/state/runs.ts): no orchestration history carries the list, whatever the batch's size.
 */
export interface BatchPlan {
  /** The run's plan in Table Storage; each window slot claims its next mailbox from it. */
  runId: string;
  /** Mailboxes in the plan. */
  total: number;
  /** Set when the batch cannot run at all (tenant preflight): the batch is already Failed. */
  error?: StepError;
  /**
   * How many run at once: the source endpoint's maxConcurrentMigrations, or the batch's override,
   * and never more than `total` (one window slot per running mailbox).
   */
  window: number;
}

export interface MailboxRunInput {
  batchId: string;
  email: string;
  mode: SyncMode;
  /** Provisioning marks the mailbox Provisioning; the copy phase marks it with the mode's running status. */
  phase?: 'provision' | 'copy';
}

export interface ReportInput extends BatchRunInput {
  /** The status mail after provisioning; otherwise the mode's own report. */
  kind?: 'status';
}

export interface StepError {
  code: string;
  message: string;
}

/** Expected failures travel as data, so their codes reach the mailbox row intact. */
export type StepResult<T extends object = object> = ({ ok: true } & T) | { ok: false; error: StepError };

export interface ProvisionInput extends MailboxRunInput {
  /** 1 for the first look; each later look follows a durable timer. */
  attempt: number;
}

export interface ChunkInput extends MailboxRunInput {
  /** Opaque engine checkpoint from the previous chunk; undefined for the first. */
  cursor?: unknown;
}

/** A target looked at once: ready, or not yet and when to look again. */
export type TargetReadiness = { ready: true } | { ready: false; waitSeconds: number };

/** provisionTarget's answer; a warning (a password that could not be applied) does not stop the mailbox. */
export type ProvisionLook = StepResult<TargetReadiness & { warning?: StepError }>;

export interface ChunkOutcome {
  done: boolean;
  cursor?: unknown;
  /** The server asked to back off: wait this long before the next chunk. */
  retryAfterMs?: number;
  itemsSynced: number;
  itemsSkipped: number;
  bytesSynced: number;
}

/**
 * A chunk that failed. `transient` failures (a server briefly away, throttling) are waited out by the
 * orchestrator on a durable timer, after `retryAfterMs` when the server named it; others fail the mailbox.
 */
export interface ChunkFailure {
  ok: false;
  error: StepError;
  transient?: true;
  retryAfterMs?: number;
}

export type ChunkResult = ({ ok: true } & ChunkOutcome) | ChunkFailure;

/** The contacts-and-calendars step of a mailbox (shared/pim/run.ts has the shapes). */
export type { PimChunkInput, PimChunkOutcome } from '../pim/run';

export interface MailboxOutcome {
  batchId: string;
  email: string;
  mode: SyncMode;
  ok: boolean;
  error?: StepError;
  itemsSynced: number;
  itemsSkipped: number;
  bytesSynced: number;
  durationMs: number;
}

export interface BatchOutcome {
  status: BatchStatus;
  failed: number;
  total: number;
  stopped: boolean;
}

/** A batch run's request for its plan: the run id names it in Table Storage. */
export interface BeginBatchInput extends BatchRunInput {
  runId: string;
}

/** The end of a batch run: whether it was stopped, and the run plans to close. */
export interface EndBatchInput extends BatchRunInput {
  stopped: boolean;
  runIds?: string[];
}

/**
 * One slot of a batch's sliding window: it claims the run's next mailbox, runs its
 * sub-orchestration, and claims again until the plan is exhausted or the run is stopped.
 */
export interface SlotInput extends BatchRunInput {
  runId: string;
  phase: 'provision' | 'copy';
  /** Which slot of the window (0-based): it takes its own stripe of the plan first. */
  slot: number;
  /** Mailboxes this slot started in earlier executions (it continues as new every few). */
  started?: number;
}

export interface ClaimInput {
  batchId: string;
  runId: string;
  slot: number;
  /** The same token always gets the same mailbox (a retried claim skips none). */
  token: string;
}

export interface SlotOutcome {
  started: number;
}

export interface BatchWarningInput {
  batchId: string;
  warning: StepError;
}
