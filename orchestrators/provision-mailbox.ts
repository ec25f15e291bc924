import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivity, orchestrationInput } from '../shared/workflow/calls';
import { ACTIVITIES, ORCHESTRATIONS, type ProvisionLook } from '../shared/workflow/names';
import { registerOrchestration } from '../shared/workflow/register';

/**
 * Provisioning one mailbox before any mail moves: it is marked Provisioning, then its target is
 * looked at until it is ready (an IMAP login works; a Microsoft 365 user has its mailbox, after a
 * licence if one had to be assigned), waiting between looks with durable timers. A mailbox that
 * cannot be provisioned ends Failed with a coded error that says what to fix.
 */
export function* provisionMailbox(context: OrchestrationContext): Generator<Task, ProvisionLook, unknown> {
  const input = orchestrationInput(context, ORCHESTRATIONS.provisionMailbox);
  yield* callActivity(context, ACTIVITIES.beginMailbox, { ...input, phase: 'provision' });
  let look: ProvisionLook;
  for (let attempt = 1; ; attempt++) {
    look = yield* callActivity(context, ACTIVITIES.provisionTarget, { ...input, attempt });
    if (!look.ok || look.ready) break;
    const next = new Date(context.df.currentUtcDateTime.getTime() + look.waitSeconds * 1000);
    yield context.df.createTimer(next);
  }
  // Cutover: the target is ready, so mail to the old mailbox can be forwarded to it (before the status mail).
  if (look.ok && look.ready) yield* callActivity(context, ACTIVITIES.setForwarding, input);
  if (!look.ok) {
    yield* callActivity(context, ACTIVITIES.endMailbox, {
      ...input,
      ok: false,
      error: look.error,
      itemsSynced: 0,
      itemsSkipped: 0,
      bytesSynced: 0,
      durationMs: 0,
    });
  }
  return look;
}

registerOrchestration(ORCHESTRATIONS.provisionMailbox, provisionMailbox);
