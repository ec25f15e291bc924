import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  ACTIVITIES,
  ORCHESTRATIONS,
  STOP_EVENT,
  type BatchOutcome,
  type BatchPlan,
  type BatchRunInput,
} from '../shared/workflow/names';
import { slidingWindow } from './sliding-window';

/**
 * One batch run. The first run provisions every mailbox (the target exists and can receive mail),
 * sends the status report (how many are set up, how many failed), then copies the provisioned
 * ones; incremental and final runs only copy. Both phases go through a sliding window of at most
 * `window` sub-orchestrations. A `stop` event ends the scheduling: running mailboxes finish their
 * current step, the rest stay as they are for the next start.
 */
export function* migrateBatch(context: OrchestrationContext): Generator<Task, BatchOutcome, unknown> {
  const input = context.df.getInput() as BatchRunInput;
  const id = context.df.instanceId;
  const plan = (yield context.df.callActivity(ACTIVITIES.beginBatch, input)) as BatchPlan;
  // The tenant is not ready (preflight): the batch is already Failed with what to fix.
  if (plan.error) return { status: 'Failed', failed: 0, total: 0, stopped: false };
  const stop = context.df.waitForExternalEvent(STOP_EVENT);
  let mailboxes = plan.mailboxes;
  let stopped = false;

  if (input.mode === 'initial') {
    const provisioned = yield* slidingWindow(context, mailboxes, plan.window, stop, (email, i) =>
      context.df.callSubOrchestrator(
        ORCHESTRATIONS.provisionMailbox,
        { ...input, email },
        `${id}:provision:${i}`,
      ),
    );
    stopped = provisioned.stopped;
    mailboxes = mailboxes.filter(
      (_, i) => (provisioned.results[i] as { ok?: boolean } | undefined)?.ok === true,
    );
    yield context.df.callActivity(ACTIVITIES.writeBatchReport, { ...input, kind: 'status' });
  }
  if (!stopped) {
    const copied = yield* slidingWindow(context, mailboxes, plan.window, stop, (email, i) =>
      context.df.callSubOrchestrator(
        ORCHESTRATIONS.migrateMailbox,
        { ...input, email },
        `${id}:${input.mode}:${i}`,
      ),
    );
    stopped = copied.stopped;
  }
  const outcome = (yield context.df.callActivity(ACTIVITIES.endBatch, { ...input, stopped })) as BatchOutcome;
  // Completion: the conversion pack and the DNS findings, which the completion report then carries.
  if (input.mode === 'final' && !stopped) yield context.df.callActivity(ACTIVITIES.writeCutoverPack, input);
  yield context.df.callActivity(ACTIVITIES.writeBatchReport, input);
  return outcome;
}

df.app.orchestration(ORCHESTRATIONS.migrateBatch, migrateBatch);
