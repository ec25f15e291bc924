import type { FramedResponse } from './framer';

/**
 * Reads the values of a framed IMAP response (RFC 9051 section 4): atoms and numbers, quoted
 * strings, NIL, parenthesized lists (nested), literals and literal8 (already cut out by the framer,
 * handed over as they are: no copy). A FETCH response becomes its sequence number and its items by
 * name, in whatever order the server sent them; anything else is read as a status line.
 */

/** An atom or quoted string (latin1 text), a literal (bytes), NIL (null), or a list. */
export type ImapValue = string | Buffer | null | ImapValue[];

export interface FetchResponse {
  kind: 'fetch';
  seq: number;
  /** Items by upper-cased name: `UID`, `FLAGS`, `BODY[]`, `BODY[HEADER.FIELDS (MESSAGE-ID)]`... */
  items: Map<string, ImapValue>;
}

export interface StatusResponse {
  kind: 'status';
  /** `*` untagged, `+` continuation, else a command's tag. */
  tag: string;
  /** OK / NO / BAD / BYE, or an untagged data name (`3 EXISTS`, `FLAGS`, `CAPABILITY`). */
  status: string;
  /** Bracketed response code, upper-cased (`UIDVALIDITY`), and its arguments. */
  code?: string;
  codeArgs: string[];
  /** The text after the status (what users see in an error), literals left out. */
  text: string;
}

export type ParsedResponse = FetchResponse | StatusResponse;

const FETCH_HEAD = /^\* (\d+) FETCH \(/i;

export function parseResponse(r: FramedResponse): ParsedResponse {
  const first = r.lines[0] ?? '';
  const head = FETCH_HEAD.exec(first);
  if (head) return parseFetch(r, Number(head[1]), head[0].length);
  return parseStatus(r.lines.join(''));
}

function parseStatus(line: string): StatusResponse {
  if (line.startsWith('+'))
    return { kind: 'status', tag: '+', status: '', codeArgs: [], text: line.slice(2) };
  const sp = line.indexOf(' ');
  const tag = sp < 0 ? line : line.slice(0, sp);
  let rest = sp < 0 ? '' : line.slice(sp + 1);
  const word = /^(\d+ )?(\S+)\s?/.exec(rest);
  const status = (word ? `${word[1] ?? ''}${word[2]}` : '').toUpperCase();
  rest = rest.slice(word?.[0].length ?? 0);
  const code = /^\[([^\]]*)\]\s?/.exec(rest);
  const parts = code?.[1]?.trim().split(/\s+/) ?? [];
  return {
    kind: 'status',
    tag,
    status,
    ...(parts[0] ? { code: parts[0].toUpperCase() } : {}),
    codeArgs: parts.slice(1),
    text: rest,
  };
}

/** Thrown on a response that breaks the grammar: the connection cannot be read on safely. */
export class ImapSyntaxError extends Error {}

function parseFetch(r: FramedResponse, seq: number, start: number): FetchResponse {
  const c = new Cursor(r, start);
  const items = new Map<string, ImapValue>();
  for (;;) {
    c.skipSpaces();
    const ch = c.peek();
    if (ch === CLOSE) break;
    if (ch < 0) throw new ImapSyntaxError('FETCH response ends inside its item list');
    const name = c.atom().toUpperCase();
    if (!name)
      throw new ImapSyntaxError(`unexpected character in FETCH response: ${String.fromCharCode(ch)}`);
    c.skipSpaces();
    items.set(name, c.value());
  }
  return { kind: 'fetch', seq, items };
}

const SPACE = 0x20;
const OPEN = 0x28;
const CLOSE = 0x29;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const TILDE = 0x7e;

/** A position in a framed response: line `li`, character `pos`; a literal follows each cut line. */
class Cursor {
  private li = 0;
  private line: string;

  constructor(
    private readonly r: FramedResponse,
    private pos: number,
  ) {
    this.line = r.lines[0] ?? '';
  }

  peek(): number {
    return this.pos < this.line.length ? this.line.charCodeAt(this.pos) : -1;
  }

  skipSpaces(): void {
    while (this.line.charCodeAt(this.pos) === SPACE) this.pos++;
  }

  value(): ImapValue {
    const ch = this.peek();
    if (ch === OPEN) return this.list();
    if (ch === QUOTE) return this.quoted();
    if (ch === LBRACE || (ch === TILDE && this.line.charCodeAt(this.pos + 1) === LBRACE))
      return this.literal();
    const atom = this.atom();
    if (!atom) throw new ImapSyntaxError('a value is missing in a FETCH response');
    return atom.toUpperCase() === 'NIL' ? null : atom;
  }

  /**
   * An atom, a number, or an item name such as `BODY[HEADER.FIELDS (MESSAGE-ID)]<0>`: inside
   * brackets, spaces and parentheses belong to the name.
   */
  atom(): string {
    const from = this.pos;
    let depth = 0;
    for (; this.pos < this.line.length; this.pos++) {
      const ch = this.line.charCodeAt(this.pos);
      if (ch === LBRACKET) depth++;
      else if (ch === RBRACKET) depth--;
      else if (depth <= 0 && (ch === SPACE || ch === OPEN || ch === CLOSE || ch === QUOTE)) break;
    }
    return this.line.slice(from, this.pos);
  }

  private list(): ImapValue[] {
    this.pos++;
    const out: ImapValue[] = [];
    for (;;) {
      this.skipSpaces();
      const ch = this.peek();
      if (ch === CLOSE) {
        this.pos++;
        return out;
      }
      if (ch < 0) throw new ImapSyntaxError('a list is not closed in a FETCH response');
      out.push(this.value());
    }
  }

  private quoted(): string {
    let out = '';
    let from = ++this.pos;
    for (; this.pos < this.line.length; this.pos++) {
      const ch = this.line.charCodeAt(this.pos);
      if (ch === BACKSLASH) {
        out += this.line.slice(from, this.pos);
        from = ++this.pos;
      } else if (ch === QUOTE) {
        out += this.line.slice(from, this.pos++);
        return out;
      }
    }
    throw new ImapSyntaxError('a quoted string is not closed in a FETCH response');
  }

  /** `{n}` / `~{n}` ends this line: the value is the literal after it; reading goes on after it. */
  private literal(): Buffer {
    const literal = this.r.literals[this.li];
    const close = this.line.indexOf('}', this.pos);
    if (literal === undefined || close !== this.line.length - 1)
      throw new ImapSyntaxError('a literal announcement is not at the end of its line');
    this.li++;
    this.line = this.r.lines[this.li] ?? '';
    this.pos = 0;
    return literal;
  }
}

/** A value as bytes: a literal as is, a quoted string back to its bytes, NIL as undefined. */
export function asBytes(v: ImapValue | undefined): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  return undefined;
}

/** A list of atoms (FLAGS), as text. */
export function asAtoms(v: ImapValue | undefined): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is string => typeof x === 'string');
}

/** A number item (UID, RFC822.SIZE), or undefined when absent or not a number. */
export function asNumber(v: ImapValue | undefined): number | undefined {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}
