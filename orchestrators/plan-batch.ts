import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivityWithRetry, orchestrationInput } from '../shared/workflow/calls';
import { ACTIVITIES, ORCHESTRATIONS } from '../shared/workflow/names';
import { registerOrchestration } from '../shared/workflow/register';
import { RETRY } from '../shared/workflow/retry-policy';
import type { PlanRunInput } from '../shared/workflow/plan-names';

/**
 * A batch's dry run (shared/plan/plan-run.ts): one activity call plans one page of mailboxes, then
 * the orchestration continues as new with the next page's token, so its history stays one call long
 * however many mailboxes the batch has. Nothing here writes to a mail server.
 */
export function* planBatch(context: OrchestrationContext): Generator<Task, void, unknown> {
  const input = orchestrationInput(context, ORCHESTRATIONS.planBatch);
  if (input.page === 1) {
    // CSV passwords are sealed at upload and stored by a batch's first run; a plan before that run
    // stores them the same way (idempotent), or a mailbox with its own password could not log in.
    for (let from = 0; ;) {
      const stored = yield* callActivityWithRetry(
        context,
        ACTIVITIES.storeStagedSecrets,
        RETRY.stagedSecrets,
        { batchId: input.batchId, from },
      );
      if (stored.done) break;
      from = stored.next;
    }
  }
  const result = yield* callActivityWithRetry(context, ACTIVITIES.planBatchPage, RETRY.planPage, input);
  if (result.continuationToken) {
    const next: PlanRunInput = {
      ...input,
      page: input.page + 1,
      continuationToken: result.continuationToken,
    };
    context.df.continueAsNew(next);
  }
}

registerOrchestration(ORCHESTRATIONS.planBatch, planBatch);
