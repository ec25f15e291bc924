import type { OrchestrationContext, Task } from 'durable-functions';
import { callActivityWithRetry } from '../shared/workflow/calls';
import { ACTIVITIES, type PimChunkOutcome, type StepError } from '../shared/workflow/names';
import { RETRY } from '../shared/workflow/retry-policy';

/**
 * migrateMailbox's contacts-and-calendars step, after the mail: one activity call per page of items
 * until the step says done. Returns the totals and the step's error, if any (mail already copied
 * stays copied; the mailbox then reports the error with its code).
 */
export interface PimTotals {
  events: number;
  contacts: number;
  skipped: number;
  error?: StepError;
}

export function* copyContactsAndCalendars(
  context: OrchestrationContext,
  input: { batchId: string; email: string },
): Generator<Task, PimTotals, unknown> {
  const totals: PimTotals = { events: 0, contacts: 0, skipped: 0 };
  const pass = context.df.currentUtcDateTime.toISOString();
  let cursor: PimChunkOutcome['cursor'];
  for (;;) {
    const result = yield* callActivityWithRetry(context, ACTIVITIES.copyPimChunk, RETRY.pimChunk, {
      batchId: input.batchId,
      email: input.email,
      pass,
      cursor,
    });
    if (!result.ok) {
      totals.error = result.error;
      return totals;
    }
    totals.events += result.events;
    totals.contacts += result.contacts;
    totals.skipped += result.skipped;
    if (result.done) return totals;
    cursor = result.cursor;
  }
}
