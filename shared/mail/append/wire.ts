/**
 * How the append writer spells an APPEND on the wire (RFC 3501 / 9051 grammar): mailbox names in
 * modified UTF-7 (or UTF-8 once UTF8=ACCEPT is enabled), INTERNALDATE as a date-time string, flag
 * lists, strings quoted or sent as literals, and the literal prefix `{n+}` of LITERAL+ (RFC 7888).
 */

/** RFC 3501 5.1.3: printable ASCII stays, `&` becomes `&-`, anything else goes base64 of UTF-16BE. */
export function encodeMailboxUtf7(name: string): string {
  let out = '';
  let run = '';
  const flush = (): void => {
    if (!run) return;
    const utf16 = Buffer.alloc(run.length * 2);
    for (let i = 0; i < run.length; i++) utf16.writeUInt16BE(run.charCodeAt(i), i * 2);
    out += `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
    run = '';
  };
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += ch === '&' ? '&-' : ch;
    } else run += ch;
  }
  flush();
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `"26-Nov-2026 17:23:40 +0000"`: INTERNALDATE in UTC (the instant is what the server keeps). */
export function formatInternalDate(d: Date): string {
  const date = `${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `"${date} ${time} +0000"`;
}

/** Flags are atoms as the source server sent them; `\Recent` may never be set by a client. */
export function flagList(flags: string[]): string {
  const atoms = flags.filter((f) => f.toLowerCase() !== '\\recent' && /^\\?[^\s()"{%*\\\]]+$/.test(f));
  return `(${atoms.join(' ')})`;
}

/** A quoted string when its characters allow one, else undefined (the caller sends a literal). */
export function quoted(value: string): string | undefined {
  if (/[\r\n\0]/.test(value) || Buffer.byteLength(value) !== value.length) return undefined;
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The prefix of a literal of `size` bytes: non-synchronizing (`{n+}`, nothing to wait for) when the
 * server offers LITERAL+, or LITERAL- and the literal is at most 4096 bytes; `~{n}` marks literal8
 * (RFC 3516 BINARY) for a message with NUL bytes.
 */
export function literalPrefix(size: number, nonSync: boolean, binary: boolean): string {
  return `${binary ? '~' : ''}{${size}${nonSync ? '+' : ''}}\r\n`;
}

/** LITERAL- (RFC 7888 section 4) allows non-synchronizing literals only up to this size. */
export const LITERAL_MINUS_MAX = 4096;

/** `1:3,7` → [1, 2, 3, 7] (APPENDUID's uid-set, RFC 4315). */
export function expandUidSet(set: string): number[] {
  const out: number[] = [];
  for (const part of set.split(',')) {
    const [a, b] = part.split(':').map(Number);
    if (!a) continue;
    const end = b ?? a;
    for (let u = Math.min(a, end); u <= Math.max(a, end); u++) out.push(u);
  }
  return out;
}
