import { doublingBackoff } from '../domain/backoff';

/**
 * A retry policy the durable runtime applies to an activity that throws (an unexpected failure; the
 * expected ones come back as data): the first retry after `firstRetryIntervalMs`, each next one
 * `backoffCoefficient` times later (1 when unset), at most `maxNumberOfAttempts` calls in all.
 */
export interface RetryPolicy {
  readonly firstRetryIntervalMs: number;
  readonly maxNumberOfAttempts: number;
  readonly backoffCoefficient?: number;
}

/** Every policy the orchestrators use, by name (shared/workflow/calls.ts turns one into the runtime's form). */
export const RETRY = {
  /** A mail chunk that fails unexpectedly (a dropped connection) is retried; its checkpoint makes it safe. */
  copyChunk: { firstRetryIntervalMs: 5000, maxNumberOfAttempts: 3 },
  /** A contacts-and-calendars page is retried the same way: the item index makes that safe. */
  pimChunk: { firstRetryIntervalMs: 5000, maxNumberOfAttempts: 3 },
  /** Reports are retried for over a minute (5, 10, 20, 40 s apart): long enough for a storage blip. */
  report: { firstRetryIntervalMs: 5000, maxNumberOfAttempts: 5, backoffCoefficient: 2 },
  /** Writing secrets meets the secret store's throttling now and then: retry a chunk a few times. */
  stagedSecrets: { firstRetryIntervalMs: 5000, maxNumberOfAttempts: 5, backoffCoefficient: 2 },
  /** A dry-run page only reads (and rewrites its own page file): retried like a copy chunk. */
  planPage: { firstRetryIntervalMs: 5000, maxNumberOfAttempts: 3 },
  /** Removing a batch's data is retried until it is done (each pass resumes where the last stopped). */
  removeBatch: { firstRetryIntervalMs: 10_000, maxNumberOfAttempts: 5 },
} as const satisfies Record<string, RetryPolicy>;

/**
 * How long a mailbox keeps trying through transient errors (a source or target down, dropped
 * connections, throttling, 5xx) before it fails: waits on a durable timer that start at
 * `firstDelayMs` and double up to `maxDelayMs` (or the server's own Retry-After when longer), for at
 * most `maxTotalMs` from the first failure in a row. A chunk that succeeds starts the count again.
 * About 11 attempts fit in 30 minutes, so the orchestration's history stays small.
 */
export const TRANSIENT_RETRY = {
  firstDelayMs: 5_000,
  maxDelayMs: 5 * 60_000,
  maxTotalMs: 30 * 60_000,
} as const;

/** The wait before attempt `attempt + 1`, or undefined when the policy's time is up. Pure: safe in an orchestrator. */
export function transientDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  waitedMs: number,
): number | undefined {
  const backoff = doublingBackoff(attempt, TRANSIENT_RETRY.firstDelayMs, TRANSIENT_RETRY.maxDelayMs);
  const delay = Math.max(backoff, retryAfterMs ?? 0);
  return waitedMs + delay > TRANSIENT_RETRY.maxTotalMs ? undefined : delay;
}

/** The mailbox's error once the policy gave up: what kept failing, for how long. */
export function gaveUp(
  last: { code: string; message: string } | undefined,
  attempts: number,
  waitedMs: number,
): { code: string; message: string } {
  const minutes = Math.max(1, Math.round(waitedMs / 60_000));
  return {
    code: 'COPY_TRANSIENT_ERRORS_PERSISTED',
    message:
      `Copying kept failing with transient errors for ${minutes} min (${attempts} attempts); the last was ` +
      `${last?.code ?? 'unknown'}: ${last?.message ?? 'no message'}. Check that the source and target are reachable, then resume the batch.`,
  };
}
