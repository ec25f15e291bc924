import type * as df from 'durable-functions';
import type { Services } from '../shared/app/services';
import { CodedError } from '../shared/domain/errors';
import {
  BATCH_ACTION_TARGETS,
  canTransition,
  illegalTransition,
  type Batch,
  type BatchAction,
} from '../shared/state';
import {
  ORCHESTRATIONS,
  STOP_EVENT,
  batchInstanceId,
  type BatchRunInput,
  type SyncMode,
} from '../shared/workflow/names';

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
  client: df.DurableClient,
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
  if (mode || action === 'remove') await assertNotRunning(client, instanceId, batchId);
  const batch = await svc.state.batches.update(batchId, (b) => {
    if (!canTransition(b.status, target)) throw illegalTransition(b.id, b.status, { action });
    return { status: target };
  });
  if (mode) {
    const input: BatchRunInput = { batchId, mode };
    await client.startNew(ORCHESTRATIONS.migrateBatch, { instanceId, input });
  } else if (action === 'stop') {
    const running = await runningStatus(client, instanceId);
    if (running) await client.raiseEvent(instanceId, STOP_EVENT, { at: new Date().toISOString() });
    else
      await svc.state.batches.update(batchId, (b) =>
        b.status === 'Stopping' ? { status: 'Stopped' } : undefined,
      );
  } else if (action === 'remove') {
    // The batch's own orchestration has ended (Removing is reached only from a settled status).
    await client.startNew(ORCHESTRATIONS.removeBatch, { instanceId, input: batchId });
  }
  return batch;
}

async function runningStatus(client: df.DurableClient, instanceId: string): Promise<boolean> {
  try {
    const status = await client.getStatus(instanceId);
    return status.runtimeStatus === 'Running' || status.runtimeStatus === 'Pending';
  } catch {
    return false; // never started
  }
}

/** A run that has settled the batch may still be writing its report: give it a moment to end. */
const FINISHING_GRACE_MS = 5000;

async function assertNotRunning(
  client: df.DurableClient,
  instanceId: string,
  batchId: string,
): Promise<void> {
  const deadline = Date.now() + FINISHING_GRACE_MS;
  while (await runningStatus(client, instanceId)) {
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
