import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import {
  BATCH_ACTION_TARGETS,
  canTransition,
  illegalTransition,
  type Batch,
  type BatchAction,
} from '../state';
import {
  ORCHESTRATIONS,
  STOP_EVENT,
  batchInstanceId,
  type BatchRunInput,
  type SyncMode,
} from '../workflow/names';
import type { OrchestrationPort } from '../workflow/port';

/**
 * The lifecycle commands on a batch: check the transition against the batch's status (409 with the
 * allowed actions otherwise), record the new status, then start or signal the batch's orchestration.
 * One orchestration per batch at a time (a singleton instance id), so commands never run two copies.
 */
const MODE_FOR: Partial<Record<BatchAction, SyncMode>> = {
  start: 'initial',
  sync: 'incremental',
  complete: 'final',
};

export async function runBatchAction(
  svc: Services,
  runner: OrchestrationPort,
  batchId: string,
  action: BatchAction,
): Promise<Batch> {
  const target = BATCH_ACTION_TARGETS[action];
  const instanceId = batchInstanceId(batchId);
  const mode = MODE_FOR[action];
  // A run still finishing (its report) holds the batch's instance id: start, sync, complete and
  // remove all need it free.
  const current = await svc.state.batches.get(batchId);
  if (!canTransition(current.status, target)) throw illegalTransition(batchId, current.status, { action });
  if (mode || action === 'remove') await assertNotRunning(runner, instanceId, batchId);
  const batch = await svc.state.batches.update(batchId, (b) => {
    if (!canTransition(b.status, target)) throw illegalTransition(b.id, b.status, { action });
    return { status: target };
  });
  if (mode) {
    const input: BatchRunInput = { batchId, mode };
    await runner.start(ORCHESTRATIONS.migrateBatch, instanceId, input);
  } else if (action === 'stop') {
    if (await runner.isRunning(instanceId))
      await runner.raiseEvent(instanceId, STOP_EVENT, { at: new Date().toISOString() });
    else
      await svc.state.batches.update(batchId, (b) =>
        b.status === 'Stopping' ? { status: 'Stopped' } : undefined,
      );
  } else if (action === 'remove') {
    // The batch's own orchestration has ended (Removing is reached only from a settled status).
    await runner.start(ORCHESTRATIONS.removeBatch, instanceId, batchId);
  }
  return batch;
}

/** A run that has settled the batch may still be writing its report: give it a moment to end. */
const FINISHING_GRACE_MS = 5000;

async function assertNotRunning(
  runner: OrchestrationPort,
  instanceId: string,
  batchId: string,
): Promise<void> {
  const deadline = Date.now() + FINISHING_GRACE_MS;
  while (await runner.isRunning(instanceId)) {
    if (Date.now() > deadline) {
      throw new CodedError(
        'BATCH_RUNNING',
        `Batch ${batchId} is still running; wait for it to finish or stop it first.`,
        {
          batchId,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
