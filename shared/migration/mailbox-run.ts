import type { Services } from '../app/services';
import { MODE_STATUSES, type MailboxOutcome, type MailboxRunInput } from '../workflow/names';

/** Marks a mailbox as being processed by this run. */
export async function beginMailbox(svc: Services, input: MailboxRunInput): Promise<void> {
  const running = input.phase === 'provision' ? 'Provisioning' : MODE_STATUSES[input.mode].mailboxRunning;
  await svc.state.mailboxes.update(input.batchId, input.email, (m) =>
    m.status === running
      ? undefined
      : { status: running, syncStartedAt: new Date().toISOString(), lastError: undefined },
  );
}

/** Records a mailbox's outcome and statistics for this run. */
export async function endMailbox(svc: Services, outcome: MailboxOutcome): Promise<void> {
  const statuses = MODE_STATUSES[outcome.mode];
  const now = new Date().toISOString();
  const minutes = Math.max(outcome.durationMs, 1) / 60_000;
  await svc.state.mailboxes.update(outcome.batchId, outcome.email, (m) => ({
    status: outcome.ok ? statuses.mailboxDone : statuses.mailboxFailed,
    // Items and bytes were added chunk by chunk (copy.ts); here only the run's rate and time.
    syncDurationMs: m.syncDurationMs + outcome.durationMs,
    ratePerMinute: Math.round(outcome.itemsSynced / minutes),
    bytesPerMinute: Math.round(outcome.bytesSynced / minutes),
    syncedAt: outcome.ok ? now : m.syncedAt,
    lastSuccessfulSync: outcome.ok ? now : m.lastSuccessfulSync,
    completedAt: outcome.ok && outcome.mode === 'final' ? now : m.completedAt,
    lastError: outcome.error,
  }));
}
