import { doublingBackoff } from '../domain/backoff';
import { RETRY_LIMITS } from './limits';

/** The statuses Graph answers a request it did not carry out, or may retry: throttled, unavailable, timed out. */
export const TRANSIENT_STATUSES = new Set([429, 503, 504]);

/**
 * Retry-After as Graph sends it: delta-seconds, or an HTTP date (RFC 9110 §10.2.3). Returns the
 * epoch-ms time before which nothing may be sent, or null when the header is absent or unreadable.
 */
export function retryAfterDeadline(
  header: string | null | undefined,
  now: number = Date.now(),
): number | null {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return now + Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(now, date);
}

/** The wait before retry `attempt + 1` when the server named none: 1 s doubling, capped. */
export function backoff(attempt: number): number {
  return doublingBackoff(attempt, RETRY_LIMITS.firstBackoffMs, RETRY_LIMITS.maxBackoffMs);
}

/**
 * When a transient answer may be retried: its Retry-After, else the backoff, plus a small margin
 * (the server's clock started its Retry-After a little before ours did).
 */
export function retryDeadline(retryAfter: string | null | undefined, attempt: number, now: number): number {
  return (retryAfterDeadline(retryAfter, now) ?? now + backoff(attempt)) + 20;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
