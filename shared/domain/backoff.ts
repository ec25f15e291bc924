/**
 * The wait before retry `attempt + 1` (attempt 0 is the first retry): `firstMs` doubling each time,
 * never more than `maxMs`. Pure, so an orchestrator may use it too. Every retry loop of the service
 * (Graph requests, IMAP sessions, Table Storage updates, a mailbox's transient failures) backs off
 * with it, each with its own limits.
 */
export function doublingBackoff(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** attempt);
}
