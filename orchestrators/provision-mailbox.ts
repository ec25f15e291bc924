import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import { ACTIVITIES, ORCHESTRATIONS, type MailboxRunInput, type StepError } from '../shared/workflow/names';

/**
 * Provisioning one mailbox before any mail moves: it is marked Provisioning, then its target is
 * looked at until it is ready (an IMAP login works; a Microsoft 365 user has its mailbox, after a
 * licence if one had to be assigned), waiting between looks with durable timers. A mailbox that
 * cannot be provisioned ends Failed with a coded error that says what to fix.
 */
type Look =
  { ok: true; ready: boolean; waitSeconds?: number; warning?: StepError } | { ok: false; error: StepError };

export function* provisionMailbox(context: OrchestrationContext): Generator<Task, Look, unknown> {
  const input = context.df.getInput() as MailboxRunInput;
  yield context.df.callActivity(ACTIVITIES.beginMailbox, { ...input, phase: 'provision' });
  let look: Look;
  for (let attempt = 1; ; attempt++) {
    look = (yield context.df.callActivity(ACTIVITIES.provisionTarget, { ...input, attempt })) as Look;
    if (!look.ok || look.ready) break;
    const next = new Date(context.df.currentUtcDateTime.getTime() + (look.waitSeconds ?? 60) * 1000);
    yield context.df.createTimer(next);
  }
  // Cutover: the target is ready, so mail to the old mailbox can be forwarded to it (before the status mail).
  if (look.ok && look.ready) yield context.df.callActivity(ACTIVITIES.setForwarding, input);
  if (!look.ok) {
    yield context.df.callActivity(ACTIVITIES.endMailbox, {
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

df.app.orchestration(ORCHESTRATIONS.provisionMailbox, provisionMailbox);
