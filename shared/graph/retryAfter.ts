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
