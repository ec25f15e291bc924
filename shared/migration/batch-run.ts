import type { Services } from '../app/services';
import type { MailboxStatus } from '../domain/statuses';
import { canTransition, illegalTransition, type Batch } from '../state';
import {
  MODE_STATUSES,
  type BatchOutcome,
  type BatchPlan,
  type BatchRunInput,
  type BatchWarningInput,
  type BeginBatchInput,
  type ClaimInput,
  type StepError,
} from '../workflow/names';
import { failFrom } from './connectors';
import { preflightMicrosoft365 } from './microsoft365';
import { preflightMicrosoft365Endpoint } from './microsoft365-endpoint';

/** Which mailboxes each kind of run takes: a start also retries failed and stopped ones. */
const ELIGIBLE: Record<BatchRunInput['mode'], readonly MailboxStatus[]> = {
  initial: ['Queued', 'Failed', 'Stopped', 'Provisioning', 'Syncing'],
  incremental: ['Synced', 'IncrementalSynced', 'IncrementalFailed', 'IncrementalSyncing'],
  final: ['Synced', 'IncrementalSynced', 'IncrementalFailed', 'Completing'],
};

/**
 * Moves the batch to its running status and stores the run's plan (the mailboxes to process) in
 * Table Storage under `input.runId`. Idempotent: a repeated call finds the plan already there.
 */
export async function beginBatch(svc: Services, input: BeginBatchInput): Promise<BatchPlan> {
  const statuses = MODE_STATUSES[input.mode];
  const batch = await svc.state.batches.update(input.batchId, (b) => {
    if (b.status === statuses.batchRunning) return undefined; // a replayed or retried call
    if (!canTransition(b.status, statuses.batchRunning)) {
      throw illegalTransition(b.id, b.status, { to: statuses.batchRunning });
    }
    return { status: statuses.batchRunning, startedAt: b.startedAt ?? new Date().toISOString() };
  });
  const eligible = new Set<MailboxStatus>(ELIGIBLE[input.mode]);
  const mailboxes: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await svc.state.mailboxes.list(batch.id, { continuationToken, pageSize: 1000 });
    for (const m of page.items) if (eligible.has(m.status)) mailboxes.push(m.email);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  const window = await windowFor(svc, batch, input.mode);
  const refused = input.mode === 'initial' ? await preflight(svc, batch, mailboxes) : undefined;
  if (refused) {
    await svc.state.batches.update(batch.id, () => ({ status: 'Failed', lastError: refused }));
    return { runId: input.runId, total: 0, window, error: refused };
  }
  const run = await svc.state.runs.createPlan(batch.id, input.runId, mailboxes, window);
  return { runId: input.runId, total: run.total, window: run.slots };
}

/** The copy phase's run after provisioning: `<runId>-copy`. */
export const copyRunId = (runId: string): string => `${runId}-copy`;

/**
 * After provisioning (a first run): the copy phase's plan is every mailbox whose target is ready,
 * i.e. still Provisioning (a mailbox that could not be provisioned is Failed already).
 */
export async function planBatchCopy(svc: Services, input: BeginBatchInput): Promise<BatchPlan> {
  const mailboxes: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await svc.state.mailboxes.list(input.batchId, {
      continuationToken,
      pageSize: 1000,
      status: 'Provisioning',
    });
    for (const m of page.items) mailboxes.push(m.email);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  const runId = copyRunId(input.runId);
  const batch = await svc.state.batches.get(input.batchId);
  const window = await windowFor(svc, batch, input.mode);
  const run = await svc.state.runs.createPlan(input.batchId, runId, mailboxes, window);
  return { runId, total: run.total, window: run.slots };
}

/** The next mailbox for a window slot, or `{}` when the run has none left (or was stopped). */
export async function claimMailbox(svc: Services, input: ClaimInput): Promise<{ email?: string }> {
  const claim = await svc.state.runs.claim(input.batchId, input.runId, input.slot, input.token);
  return claim ? { email: claim.email } : {};
}

/** A stop: the run hands out no more mailboxes; the ones running finish. */
export async function stopBatchRun(svc: Services, input: { batchId: string; runId: string }): Promise<void> {
  await svc.state.runs.stop(input.batchId, input.runId);
}

/** Something went wrong that does not stop the batch (a report not sent): kept as its last error. */
export async function recordBatchWarning(svc: Services, input: BatchWarningInput): Promise<void> {
  await svc.state.batches.update(input.batchId, () => ({ lastError: input.warning }));
}

/** Once per batch, before any mailbox: a Microsoft 365 target's tenant must be ready for it. */
async function preflight(svc: Services, batch: Batch, mailboxes: string[]): Promise<StepError | undefined> {
  const target = await svc.state.endpoints.find(batch.target);
  if (target?.type === 'microsoft365' && mailboxes.length > 0) {
    return preflightMicrosoft365Endpoint(svc, target, mailboxes).then(
      () => undefined,
      (e: unknown) => failFrom(e, 'PREFLIGHT_FAILED').error,
    );
  }
  if (target?.type !== 'graph' || mailboxes.length === 0) return undefined;
  try {
    await preflightMicrosoft365(svc, mailboxes);
    return undefined;
  } catch (e) {
    return failFrom(e, 'PREFLIGHT_FAILED').error;
  }
}

async function windowFor(svc: Services, batch: Batch, mode: BatchRunInput['mode']): Promise<number> {
  const endpoint = await svc.state.endpoints.find(batch.sourceEndpoint);
  const migrations =
    batch.options.maxConcurrentMigrations ??
    endpoint?.maxConcurrentMigrations ??
    svc.settings.maxConcurrentMigrations;
  // Incremental passes are lighter but share the source: never above the migration limit.
  return mode === 'incremental'
    ? Math.min(svc.settings.incrementalSync.maxConcurrent, migrations)
    : migrations;
}

/** Settles the batch status from its mailboxes' outcomes. */
export async function endBatch(
  svc: Services,
  input: BatchRunInput & { stopped: boolean; runIds?: string[] },
): Promise<BatchOutcome> {
  const statuses = MODE_STATUSES[input.mode];
  const { counts, total } = await svc.state.mailboxes.counts(input.batchId);
  const failed = counts.Failed + counts.IncrementalFailed;
  const status = input.stopped ? 'Stopped' : failed > 0 ? statuses.batchDoneWithErrors : statuses.batchDone;
  const now = new Date().toISOString();
  await svc.state.batches.update(input.batchId, (b) => {
    if (b.status === status) return undefined;
    if (b.status === 'Removing') return undefined;
    const from = input.stopped && b.status !== 'Stopping' ? undefined : b.status;
    if (from && !canTransition(from, status)) throw illegalTransition(b.id, b.status, { to: status });
    return {
      status,
      lastSyncedAt: input.stopped ? b.lastSyncedAt : now,
      completedAt: input.mode === 'final' && !input.stopped ? now : b.completedAt,
    };
  });
  // The run's plans have served their purpose; a new run plans afresh.
  for (const runId of input.runIds ?? []) await svc.state.runs.delete(input.batchId, runId);
  return { status, failed, total, stopped: input.stopped };
}
