import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivity, callActivityWithRetry, orchestrationInput } from '../shared/workflow/calls';
import { ACTIVITIES, ORCHESTRATIONS, type MailboxOutcome, type StepError } from '../shared/workflow/names';
import { registerOrchestration } from '../shared/workflow/register';
import { copyContactsAndCalendars } from './copy-pim';
import { gaveUp, RETRY, transientDelay } from '../shared/workflow/retry-policy';

/** Per mailbox: mark it running, copy in bounded chunks, record the outcome (provisioning came before). */
export function* migrateMailbox(context: OrchestrationContext): Generator<Task, MailboxOutcome, unknown> {
  const input = orchestrationInput(context, ORCHESTRATIONS.migrateMailbox);
  const startedAt = context.df.currentUtcDateTime.getTime();
  const totals = { itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 };
  let error: StepError | undefined;
  yield* callActivity(context, ACTIVITIES.beginMailbox, input);
  let cursor: unknown = undefined;
  // Transient failures in a row: how many, and since when (orchestration time, so replay-safe).
  let failures = 0;
  let failingSince = 0;
  // Each chunk is one bounded activity call that checkpoints; the loop ends when the engine says done.
  for (let chunk = 0; !error; chunk++) {
    const result = yield* callActivityWithRetry(context, ACTIVITIES.copyMailboxChunk, RETRY.copyChunk, {
      ...input,
      cursor,
    });
    if (!result.ok && result.transient) {
      // A source or target briefly away, a dropped connection, throttling: wait on a durable timer
      // (no worker held) with a growing backoff, then the same chunk again, within the policy's time.
      const now = context.df.currentUtcDateTime.getTime();
      if (failures === 0) failingSince = now;
      const delay = transientDelay(failures, result.retryAfterMs, now - failingSince);
      failures++;
      if (delay === undefined) {
        error = gaveUp(result.error, failures, now - failingSince);
        break;
      }
      yield context.df.createTimer(new Date(now + delay));
      continue;
    }
    if (!result.ok) {
      error = result.error;
      break;
    }
    failures = 0;
    totals.itemsSynced += result.itemsSynced;
    totals.itemsSkipped += result.itemsSkipped;
    totals.bytesSynced += result.bytesSynced;
    if (result.done) break;
    cursor = result.cursor;
    if (result.retryAfterMs) {
      // Throttled: the server named a backoff longer than a call should sleep; wait without a worker.
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + result.retryAfterMs));
    }
  }
  if (!error) {
    // Contacts and calendars after the mail, in bounded pages (copy-pim.ts).
    const pim = yield* copyContactsAndCalendars(context, input);
    totals.itemsSynced += pim.events + pim.contacts;
    totals.itemsSkipped += pim.skipped;
    error = pim.error;
  }
  const outcome: MailboxOutcome = {
    ...input,
    ok: !error,
    error,
    ...totals,
    durationMs: context.df.currentUtcDateTime.getTime() - startedAt,
  };
  yield* callActivity(context, ACTIVITIES.endMailbox, outcome);
  return outcome;
}

registerOrchestration(ORCHESTRATIONS.migrateMailbox, migrateMailbox);
