import { MAX_LINE_BYTES, MAX_LITERAL_BYTES } from './limits';

/**
 * Splits a server's byte stream into whole IMAP responses (RFC 9051 section 7, RFC 3516 literal8),
 * incrementally, as socket chunks arrive. A response is its line text, cut where a literal `{n}` or
 * `~{n}` was announced, and the literals between the pieces:
 *
 *   * 3 FETCH (UID 7 BODY[] {5}\r\nhello FLAGS (\Seen))\r\n
 *   → lines ['* 3 FETCH (UID 7 BODY[] {5}', ' FLAGS (\Seen))'], literals [<hello>]
 *
 * Literals are not copied: each is a subarray of the socket chunk that holds it; only a literal that
 * spans chunks is assembled, once, into a Buffer of its announced size. Line text is decoded as
 * latin1 (one byte, one char), so quoted strings can be turned back into their exact bytes.
 */
export interface FramedResponse {
  lines: string[];
  literals: Buffer[];
}

export class ResponseFramer {
  private lines: string[] = [];
  private literals: Buffer[] = [];
  /** Bytes of the current line that came in earlier chunks (no line end yet). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The literal being read: its bytes still to come, and its Buffer when it spans chunks. */
  private literalLeft = 0;
  private spanning: Buffer | undefined;
  private spanningAt = 0;

  constructor(private readonly onResponse: (r: FramedResponse) => void) {}

  /** True between responses: a connection that ends now has lost nothing in the middle. */
  get idle(): boolean {
    return this.literalLeft === 0 && this.pendingBytes === 0 && this.lines.length === 0;
  }

  /** Feeds received bytes; throws on a line or a literal no IMAP server would send. */
  push(chunk: Buffer): void {
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.literalLeft > 0) {
        at = this.takeLiteral(chunk, at);
        continue;
      }
      const lf = chunk.indexOf(0x0a, at);
      if (lf < 0) {
        this.pending.push(chunk.subarray(at));
        this.pendingBytes += end - at;
        if (this.pendingBytes > MAX_LINE_BYTES) throw new Error('server response line too long');
        return;
      }
      const text = this.lineText(chunk, at, lf);
      at = lf + 1;
      const size = literalSize(text);
      if (size === undefined) {
        this.lines.push(text);
        this.emit();
        continue;
      }
      if (size > MAX_LITERAL_BYTES) throw new Error(`server announced a literal of ${size} bytes`);
      this.lines.push(text);
      if (size === 0) this.literals.push(Buffer.alloc(0));
      else this.literalLeft = size;
    }
  }

  /** The line ending at `lf` (its earlier bytes pending), without CRLF, as latin1 text. */
  private lineText(chunk: Buffer, from: number, lf: number): string {
    let stop = lf;
    if (!this.pending.length) {
      if (stop > from && chunk[stop - 1] === 0x0d) stop--;
      return chunk.toString('latin1', from, stop);
    }
    this.pending.push(chunk.subarray(from, lf));
    const whole = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const trim = whole.length && whole[whole.length - 1] === 0x0d ? 1 : 0;
    return whole.toString('latin1', 0, whole.length - trim);
  }

  /** Reads literal bytes from `chunk` at `at`; returns where the chunk continues. */
  private takeLiteral(chunk: Buffer, at: number): number {
    const available = chunk.length - at;
    if (!this.spanning && available >= this.literalLeft) {
      // The whole literal is in this chunk: a view of it, no copy.
      const end = at + this.literalLeft;
      this.literals.push(chunk.subarray(at, end));
      this.literalLeft = 0;
      return end;
    }
    if (!this.spanning) {
      this.spanning = Buffer.allocUnsafe(this.literalLeft);
      this.spanningAt = 0;
    }
    const n = Math.min(available, this.literalLeft);
    chunk.copy(this.spanning, this.spanningAt, at, at + n);
    this.spanningAt += n;
    this.literalLeft -= n;
    if (this.literalLeft === 0) {
      this.literals.push(this.spanning);
      this.spanning = undefined;
    }
    return at + n;
  }

  private emit(): void {
    const r = { lines: this.lines, literals: this.literals };
    this.lines = [];
    this.literals = [];
    this.onResponse(r);
  }
}

/** n when the line ends in a literal announcement `{n}` (or literal8 `~{n}`, or `{n+}`). */
export function literalSize(line: string): number | undefined {
  const last = line.length - 1;
  if (line.charCodeAt(last) !== 0x7d /* } */) return undefined;
  let i = last - 1;
  if (line.charCodeAt(i) === 0x2b /* + */) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && line.charCodeAt(i) >= 0x30 && line.charCodeAt(i) <= 0x39) i--;
  if (i === digitsEnd - 1 || line.charCodeAt(i) !== 0x7b /* { */) return undefined;
  return Number(line.slice(i + 1, digitsEnd));
}
