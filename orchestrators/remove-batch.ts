import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { ACTIVITIES, ORCHESTRATIONS } from '../shared/workflow/names';

/**
 * Removing a batch deletes every mailbox row, its counts, its secrets and its files: for a large
 * batch that takes longer than a request should, so it runs here, retried until it is done.
 */
export function* removeBatch(context: OrchestrationContext): Generator<Task, void, unknown> {
  const batchId = context.df.getInput() as string;
  yield context.df.callActivityWithRetry(ACTIVITIES.removeBatchData, new df.RetryOptions(10_000, 5), batchId);
}

df.app.orchestration(ORCHESTRATIONS.removeBatch, removeBatch);
