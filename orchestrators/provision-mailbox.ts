import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { ACTIVITIES, ORCHESTRATIONS, type MailboxRunInput, type StepResult } from '../shared/workflow/names';

/**
 * Provisioning one mailbox before any mail moves: it is marked Provisioning and its target is
 * checked (it exists and accepts a login). A mailbox that cannot be provisioned ends Failed with
 * a coded error that says what to fix; the others wait for the copy phase.
 */
export function* provisionMailbox(context: OrchestrationContext): Generator<Task, StepResult, unknown> {
  const input = context.df.getInput() as MailboxRunInput;
  yield context.df.callActivity(ACTIVITIES.beginMailbox, { ...input, phase: 'provision' });
  const check = (yield context.df.callActivity(ACTIVITIES.checkTargetMailbox, input)) as StepResult;
  if (!check.ok) {
    yield context.df.callActivity(ACTIVITIES.endMailbox, {
      ...input,
      ok: false,
      error: check.error,
      itemsSynced: 0,
      itemsSkipped: 0,
      bytesSynced: 0,
      durationMs: 0,
    });
  }
  return check;
}

df.app.orchestration(ORCHESTRATIONS.provisionMailbox, provisionMailbox);
