import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivityWithRetry, orchestrationInput } from '../shared/workflow/calls';
import { ACTIVITIES, ORCHESTRATIONS } from '../shared/workflow/names';
import { registerOrchestration } from '../shared/workflow/register';
import { RETRY } from '../shared/workflow/retry-policy';

/**
 * Removing a batch deletes every mailbox row, its counts, its secrets and its files: for a large
 * batch that takes longer than a request should, so it runs here, retried until it is done.
 */
export function* removeBatch(context: OrchestrationContext): Generator<Task, void, unknown> {
  const batchId = orchestrationInput(context, ORCHESTRATIONS.removeBatch);
  yield* callActivityWithRetry(context, ACTIVITIES.removeBatchData, RETRY.removeBatch, batchId);
}

registerOrchestration(ORCHESTRATIONS.removeBatch, removeBatch);
