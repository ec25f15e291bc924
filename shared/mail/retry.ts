import { doublingBackoff } from '../domain/backoff';
import { FIRST_BACKOFF_MS, MAX_BACKOFF_MS, MAX_INLINE_BACKOFF_MS, MAX_RETRIES } from './limits';
import { MailError, MailErrorCode, isConnectionError, serverText, throttleDelayMs } from './errors';

/**
 * Throttling and dropped connections: wait as the server says (or back off exponentially), let the
 * caller reconnect, try again. A wait longer than an activity should sleep becomes a
 * MAIL_THROTTLED error carrying `retryAfterMs`, which copyChunk turns into a result the
 * orchestrator can wait out on a durable timer. Other errors pass through untouched.
 */
export async function withRetry<T>(
  what: string,
  op: () => Promise<T>,
  recover: () => Promise<void>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      const throttle = throttleDelayMs(e);
      const dropped = throttle === undefined && isConnectionError(e);
      if (throttle === undefined && !dropped) throw e;
      const backoff = doublingBackoff(attempt, FIRST_BACKOFF_MS, MAX_BACKOFF_MS);
      const wait = throttle !== undefined && throttle > 0 ? throttle : backoff;
      if (wait > MAX_INLINE_BACKOFF_MS || attempt >= MAX_RETRIES) {
        const code = dropped ? MailErrorCode.connectionLost : MailErrorCode.throttled;
        throw new MailError(code, `${what}: ${serverText(e)}`, { retryAfterMs: wait });
      }
      await sleep(wait, signal);
      await recover();
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new MailError(MailErrorCode.aborted, 'aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new MailError(MailErrorCode.aborted, 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
