/**
 * What Graph mail loses, counted per mailbox. Graph cannot create a message from MIME: each message
 * is rebuilt as JSON, and what JSON cannot carry (keywords, the forwarded state, signatures,
 * addresses without an address...) is said per message. Counted by kind here, so a report can say
 * "keywords ×120, S/MIME or PGP signature ×3" for a mailbox instead of staying silent.
 */

/** The kind of a loss: the sentence without its per-message detail (a keyword's name, a quoted name). */
export function notCarriedKind(reason: string): string {
  if (/^keyword /i.test(reason)) return 'keywords';
  return reason.replace(/\s*\(".*$/, '').slice(0, 120);
}

export function countNotCarried(into: Record<string, number>, reasons: string[]): void {
  for (const kind of new Set(reasons.map(notCarriedKind))) into[kind] = (into[kind] ?? 0) + 1;
}

export function mergeNotCarried(
  a: Record<string, number> | undefined,
  b: Record<string, number>,
): Record<string, number> {
  const out = { ...(a ?? {}) };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}
