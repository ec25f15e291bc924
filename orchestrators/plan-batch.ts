import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { ACTIVITIES } from '../shared/workflow/names';
import {
  PLAN_ORCHESTRATION,
  PLAN_PAGE_ACTIVITY,
  type PlanPageResult,
  type PlanRunInput,
} from '../shared/workflow/plan-names';

/**
 * A batch's dry run (shared/plan/plan-run.ts): one activity call plans one page of mailboxes, then
 * the orchestration continues as new with the next page's token, so its history stays one call long
 * however many mailboxes the batch has. Nothing here writes to a mail server.
 */
export function* planBatch(context: OrchestrationContext): Generator<Task, void, unknown> {
  const input = context.df.getInput() as PlanRunInput;
  if (input.page === 1) {
    // CSV passwords are sealed at upload and stored by a batch's first run; a plan before that run
    // stores them the same way (idempotent), or a mailbox with its own password could not log in.
    for (let from = 0; ;) {
      const stored = (yield context.df.callActivityWithRetry(
        ACTIVITIES.storeStagedSecrets,
        new df.RetryOptions(5_000, 3),
        { batchId: input.batchId, from },
      )) as { next: number; done: boolean };
      if (stored.done) break;
      from = stored.next;
    }
  }
  const result = (yield context.df.callActivityWithRetry(
    PLAN_PAGE_ACTIVITY,
    new df.RetryOptions(5_000, 3),
    input,
  )) as PlanPageResult;
  if (result.continuationToken)
    context.df.continueAsNew({ ...input, page: input.page + 1, continuationToken: result.continuationToken });
}

df.app.orchestration(PLAN_ORCHESTRATION, planBatch);
