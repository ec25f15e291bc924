import type { Services } from '../app/services';
import type { MailboxStatus } from '../domain/statuses';
import { canTransition, illegalTransition, type Batch } from '../state';
import {
  MODE_STATUSES,
  type BatchOutcome,
  type BatchPlan,
  type BatchRunInput,
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

/** Moves the batch to its running status and lists the mailboxes to process, in CSV order. */
export async function beginBatch(svc: Services, input: BatchRunInput): Promise<BatchPlan> {
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
    return { mailboxes: [], window, error: refused };
  }
  return { mailboxes, window };
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
  input: BatchRunInput & { stopped: boolean },
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
  return { status, failed, total, stopped: input.stopped };
}
