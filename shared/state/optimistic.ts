import { doublingBackoff } from '../domain/backoff';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpStatusOf, stateError } from './errors';
import { MAX_UPDATE_ATTEMPTS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from './limits';

/**
 * Optimistic concurrency. `attempt` reads the entity, computes the change and writes it back
 * conditionally (If-Match the ETag it read, or create-if-absent). When another writer got there
 * first the service answers 412 (ETag changed) or 409 (someone created the row); then we read again
 * and re-apply, after a short random wait so competing writers spread out (full jitter).
 * `onRetry` lets callers and tests observe how often that happened.
 */
export async function retryOnConflict<T>(
  what: { table: string; partitionKey: string; rowKey: string },
  attempt: () => Promise<T>,
  onRetry?: () => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const status = httpStatusOf(err);
      if (status !== 412 && status !== 409) throw err;
      if (n >= MAX_UPDATE_ATTEMPTS) {
        throw stateError(
          'STATE_CONFLICT',
          `Gave up updating ${what.table} row ${what.rowKey} after ${n} attempts: other writers kept changing it. Retry the request.`,
          { ...what, attempts: n },
        );
      }
      onRetry?.();
      const window = doublingBackoff(Math.min(n, 10), RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS);
      await sleep(Math.random() * window);
    }
  }
}
