/**
 * Splits a server's byte stream into IMAP responses (RFC 9051 section 7): lines, where a line
 * ending in a literal announcement `{n}` continues after the n literal bytes. The append writer only
 * reads status responses, CAPABILITY and continuations, so literal contents are dropped (kept out
 * of memory) and replaced by a placeholder.
 */

export interface ServerResponse {
  /** `*` untagged, `+` continuation, else the command's tag. */
  tag: string;
  /** OK / NO / BAD / BYE / PREAUTH, or the untagged response's name (CAPABILITY, 3 EXISTS...). */
  status: string;
  /** The bracketed response code (APPENDUID, TRYCREATE...), upper-cased, when there is one. */
  code?: string;
  /** The code's arguments (`APPENDUID 12 5:7` → ['12', '5:7']). */
  codeArgs: string[];
  /** The text after the status, response code included (what users see in an error). */
  text: string;
}

/** Longest response line accepted (a server that sends more is not speaking IMAP to us). */
const MAX_LINE_BYTES = 1024 * 1024;

export class ResponseReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  /** Literal bytes still to skip before the response's line continues. */
  private skip = 0;
  private line = '';

  constructor(private readonly onResponse: (r: ServerResponse) => void) {}

  /** Feeds received bytes; throws when a line grows past any sane size. */
  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
        continue;
      }
      const lf = data.indexOf(0x0a);
      if (lf < 0) {
        this.buffered.push(data);
        this.bufferedBytes += data.length;
        if (this.bufferedBytes > MAX_LINE_BYTES) throw new Error('server response line too long');
        return;
      }
      this.buffered.push(data.subarray(0, lf + 1));
      data = data.subarray(lf + 1);
      const text = Buffer.concat(this.buffered)
        .toString('utf8')
        .replace(/\r?\n$/, '');
      this.buffered = [];
      this.bufferedBytes = 0;
      const literal = /~?\{(\d+)\+?\}$/.exec(text);
      if (literal) {
        this.line += `${text.slice(0, literal.index)}""`;
        this.skip = Number(literal[1]);
        continue;
      }
      const full = this.line + text;
      this.line = '';
      this.onResponse(parseResponse(full));
    }
  }
}

export function parseResponse(line: string): ServerResponse {
  if (line.startsWith('+')) return { tag: '+', status: '', codeArgs: [], text: line.slice(2) };
  const sp = line.indexOf(' ');
  const tag = sp < 0 ? line : line.slice(0, sp);
  let rest = sp < 0 ? '' : line.slice(sp + 1);
  // Untagged data responses start with a number (`* 3 EXISTS`): keep it with the name.
  const numbered = /^(\d+ \S+)\s?/.exec(rest);
  let status: string;
  if (numbered?.[1]) {
    status = numbered[1].toUpperCase();
    rest = rest.slice(numbered[0].length);
  } else {
    const word = /^(\S+)\s?/.exec(rest);
    status = (word?.[1] ?? '').toUpperCase();
    rest = rest.slice(word?.[0].length ?? 0);
  }
  const code = /^\[([^\]]*)\]/.exec(rest);
  const parts = code?.[1]?.trim().split(/\s+/) ?? [];
  return {
    tag,
    status,
    ...(parts[0] ? { code: parts[0].toUpperCase() } : {}),
    codeArgs: parts.slice(1),
    text: rest,
  };
}
