/**
 * Values the process knows to be secret (endpoint passwords, CSV passwords, client secrets, tokens),
 * registered when they are read, so the logger can blank them wherever they appear in a line: inside
 * an error message from a library, in a URL, in a protocol transcript. Key-based redaction cannot
 * catch those; exact-value matching can.
 *
 * Matching is a single left-to-right scan with an index on each secret's first characters, so the
 * cost per log line stays linear even with tens of thousands of registered passwords (an IMAP CSV
 * may carry 50,000), where one big alternation regex would not.
 */

export const REDACTED = '[REDACTED]';

/** Shorter values are ignored: blanking every "abc" in every line would make logs useless. */
export const MIN_SECRET_LENGTH = 4;
const PREFIX = MIN_SECRET_LENGTH;

const byPrefix = new Map<string, string[]>();
const registered = new Set<string>();

/** The forms a value takes in a log line: as is, escaped inside a JSON string, URL-encoded. */
function variants(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function index(form: string): void {
  const key = form.slice(0, PREFIX);
  const list = byPrefix.get(key) ?? [];
  if (!list.includes(form)) {
    list.push(form);
    // Longest first, so a secret that extends another is blanked whole.
    list.sort((a, b) => b.length - a.length);
    byPrefix.set(key, list);
  }
}

/**
 * Registers a secret value; from now on no log line contains it. Returns false when the value is too
 * short to register (under MIN_SECRET_LENGTH characters) or empty.
 */
export function registerSecret(value: string | undefined | null): boolean {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return false;
  if (registered.has(value)) return true;
  registered.add(value);
  for (const form of variants(value)) index(form);
  return true;
}

/** Forgets every registered secret (tests, and a process that rotates all its credentials). */
export function forgetSecrets(): void {
  byPrefix.clear();
  registered.clear();
}

export function knownSecretCount(): number {
  return registered.size;
}

/** Replaces every registered secret in `text` with [REDACTED]. */
export function scrubKnownSecrets(text: string): string {
  if (byPrefix.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i <= text.length - PREFIX) {
    const candidates = byPrefix.get(text.slice(i, i + PREFIX));
    const hit = candidates?.find((c) => text.startsWith(c, i));
    if (hit) {
      out += text.slice(copiedUpTo, i) + REDACTED;
      i += hit.length;
      copiedUpTo = i;
    } else {
      i++;
    }
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}
