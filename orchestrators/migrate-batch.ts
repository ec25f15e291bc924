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

/**
 * One batch run: mark the batch running, migrate its mailboxes through a sliding window of at most
 * `window` sub-orchestrations (each completion starts the next; never fixed waves), then settle the
 * batch status and write the report. A `stop` event ends the scheduling: running mailboxes finish
 * their current step and the rest stay queued.
 */
export function* migrateBatch(context: OrchestrationContext): Generator<Task, BatchOutcome, unknown> {
  const input = context.df.getInput() as BatchRunInput;
  const plan = (yield context.df.callActivity(ACTIVITIES.beginBatch, input)) as BatchPlan;
  const stop = context.df.waitForExternalEvent(STOP_EVENT);
  const running: Task[] = [];
  let next = 0;
  let stopped = false;
  while (running.length || (!stopped && next < plan.mailboxes.length)) {
    while (!stopped && running.length < plan.window && next < plan.mailboxes.length) {
      const email = plan.mailboxes[next] as string;
      running.push(
        context.df.callSubOrchestrator(
          ORCHESTRATIONS.migrateMailbox,
          { batchId: input.batchId, email, mode: input.mode },
          `${context.df.instanceId}:${input.mode}:${next}`,
        ),
      );
      next++;
    }
    context.df.setCustomStatus({ started: next, running: running.length, total: plan.mailboxes.length });
    const finished = (yield context.df.Task.any(stopped ? running : [...running, stop])) as Task;
    if (finished === stop) stopped = true;
    else running.splice(running.indexOf(finished), 1);
  }
  const outcome = (yield context.df.callActivity(ACTIVITIES.endBatch, { ...input, stopped })) as BatchOutcome;
  yield context.df.callActivity(ACTIVITIES.writeBatchReport, input);
  return outcome;
}

df.app.orchestration(ORCHESTRATIONS.migrateBatch, migrateBatch);
