import { randomUUID } from 'node:crypto';
import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import type { BatchStatus } from '../domain/statuses';
import type { OrchestrationPort } from '../workflow/port';
import { batchInstanceId } from '../workflow/names';
import { ORCHESTRATIONS } from '../workflow/names';
import type { PlanPageResult, PlanRunInput } from '../workflow/plan-names';
import { planBatchPage } from './batch-plan';
import { DEFAULT_PLAN_PAGE } from './limits';
import { PlanStore, type PlanStatus } from './plan-store';

/**
 * A batch's dry run as a durable run: the request only records it and starts the orchestration
 * (orchestrators/plan-batch.ts), which plans one page of mailboxes per activity call
 * (activities/plan-batch-page.ts) and writes each page to the plan store. The API then answers the
 * plan's progress and its pages. However many mailboxes, no request plans any of them itself.
 */
/** A batch on its way out (or done) has nothing left to plan. */
export const CLOSED_STATUSES: ReadonlySet<BatchStatus> = new Set([
  'Completed',
  'CompletedWithErrors',
  'Removing',
]);

export async function startPlan(
  svc: Services,
  port: OrchestrationPort,
  batchId: string,
  bytesPerMinute?: number,
): Promise<PlanStatus> {
  const batch = await svc.state.batches.get(batchId);
  if (CLOSED_STATUSES.has(batch.status))
    throw new CodedError(
      'BATCH_CLOSED',
      `Batch ${batch.id} is ${batch.status}: a plan is only possible before it is completed.`,
      {
        status: batch.status,
      },
    );
  const store = new PlanStore(svc.blobs);
  const last = await store.status(batch.id);
  if (last?.state === 'Running' && (await port.isRunning(last.instanceId)))
    throw new CodedError(
      'PLAN_RUNNING',
      `A plan of batch ${batch.id} is still running (started ${last.startedAt}).`,
      {
        planId: last.planId,
      },
    );
  await store.clear(batch.id);
  const planId = randomUUID();
  const status: PlanStatus = {
    planId,
    batchId: batch.id,
    // Under the batch's instance id: removing the batch purges this run's history with its runs'.
    instanceId: `${batchInstanceId(batch.id)}:plan-${planId}`,
    state: 'Running',
    startedAt: new Date().toISOString(),
    pages: [],
    totalMailboxes: batch.totalMailboxes,
    ...(bytesPerMinute ? { bytesPerMinute } : {}),
  };
  await store.saveStatus(status);
  const input: PlanRunInput = {
    batchId: batch.id,
    planId,
    page: 1,
    ...(bytesPerMinute ? { bytesPerMinute } : {}),
  };
  await port.start(ORCHESTRATIONS.planBatch, status.instanceId, input);
  return status;
}

/** One page: plans it, writes it under its number, and records it in the status (idempotent). */
export async function planPage(svc: Services, input: PlanRunInput): Promise<PlanPageResult> {
  const store = new PlanStore(svc.blobs);
  const page = await planBatchPage(svc, input.batchId, {
    pageSize: DEFAULT_PLAN_PAGE,
    continuationToken: input.continuationToken,
    bytesPerMinute: input.bytesPerMinute,
  });
  await store.savePage(input.planId, input.page, page);
  const status = await store.status(input.batchId);
  // A newer plan replaced this one: its pages are not ours to count.
  if (status?.planId === input.planId) {
    const pages = [...status.pages];
    pages[input.page - 1] = page.mailboxes.length;
    const done = !page.continuationToken;
    await store.saveStatus({
      ...status,
      pages: Array.from(pages, (n) => n ?? 0),
      ...(done ? { state: 'Completed', completedAt: new Date().toISOString() } : {}),
    });
  }
  return page.continuationToken ? { continuationToken: page.continuationToken } : {};
}
