import fc from 'fast-check';
import { ResponseFramer } from '../../shared/mail/fetch/framer';
import {
  asAtoms,
  asBytes,
  asNumber,
  parseResponse,
  type ParsedResponse,
} from '../../shared/mail/fetch/parse';

/**
 * The FETCH reader's parser, without a server: a FETCH answer as a server may send it (items in any
 * order, literals and literal8, quoted strings, NIL, nested lists, unsolicited EXISTS / EXPUNGE /
 * flag changes in between) is fed in random pieces (byte by byte, or split anywhere, literals cut
 * across chunks) and must read back to the same messages, byte for byte.
 */

interface Msg {
  seq: number;
  uid: number;
  flags: string[];
  body: Buffer;
  /** How the body is sent: a literal, a literal8 (`~{n}`), or a quoted string (no CR/LF/"/\). */
  as: 'literal' | 'literal8' | 'quoted';
  /** The order of the items in the response. */
  order: number[];
}

const CRLF = '\r\n';

/** One FETCH response's bytes. */
function fetchBytes(m: Msg): Buffer {
  const body =
    m.as === 'quoted'
      ? [Buffer.from(`"${m.body.toString('latin1')}"`, 'latin1')]
      : [Buffer.from(`${m.as === 'literal8' ? '~' : ''}{${m.body.length}}${CRLF}`), m.body];
  const items: Buffer[][] = [
    [Buffer.from(`UID ${m.uid}`)],
    [Buffer.from(`FLAGS (${m.flags.join(' ')})`)],
    [Buffer.from('BODY[] '), ...body],
    [Buffer.from('INTERNALDATE "17-Jul-1996 02:44:25 -0700"')],
    [Buffer.from('X-NESTED ((a "b c" NIL) (1 (2 (3))) {3}\r\nx)y)')],
  ];
  const parts: Buffer[] = [Buffer.from(`* ${m.seq} FETCH (`)];
  m.order.forEach((i, k) => {
    if (k) parts.push(Buffer.from(' '));
    parts.push(...(items[i] ?? []));
  });
  parts.push(Buffer.from(`)${CRLF}`));
  return Buffer.concat(parts);
}

const UNSOLICITED = [
  `* 12 EXISTS${CRLF}`,
  `* 3 EXPUNGE${CRLF}`,
  `* 2 FETCH (FLAGS (\\Seen $Work))${CRLF}`,
  `* OK [HIGHESTMODSEQ 99] still here${CRLF}`,
];

const msgArb = fc.record({
  uid: fc.integer({ min: 1, max: 4_000_000_000 }),
  flags: fc.subarray([
    '\\Seen',
    '\\Answered',
    '\\Flagged',
    '\\Deleted',
    '\\Draft',
    '$Forwarded',
    'Project-X',
  ]),
  // Bytes that look like protocol: CRLF, braces, parentheses, quotes, NUL.
  body: fc.uint8Array({ minLength: 0, maxLength: 300 }).map((a) => {
    const b = Buffer.from(a);
    const tricky = Buffer.from(`)\r\n* 1 FETCH (UID 9 BODY[] {4}\r\nA1 OK "\0`, 'latin1');
    return Buffer.concat([
      b.subarray(0, b.length >> 1),
      tricky.subarray(0, b.length % tricky.length),
      b.subarray(b.length >> 1),
    ]);
  }),
  as: fc.constantFrom<Msg['as']>('literal', 'literal8', 'quoted'),
  order: fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }),
  unsolicited: fc.subarray(UNSOLICITED),
});

type RawMsg = Omit<Msg, 'seq'> & { unsolicited: string[] };

function readAll(stream: Buffer, cuts: number[]): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  const framer = new ResponseFramer((r) => out.push(parseResponse(r)));
  let at = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= at || cut >= stream.length) continue;
    framer.push(stream.subarray(at, cut));
    at = cut;
  }
  framer.push(stream.subarray(at));
  expect(framer.idle).toBe(true);
  return out;
}

function bodiesOf(rs: ParsedResponse[]): Array<{ uid?: number; flags: string[]; body?: Buffer }> {
  return rs
    .filter((r) => r.kind === 'fetch' && r.items.has('BODY[]'))
    .map((r) => {
      const items = (r as Extract<ParsedResponse, { kind: 'fetch' }>).items;
      return {
        uid: asNumber(items.get('UID')),
        flags: asAtoms(items.get('FLAGS')),
        body: asBytes(items.get('BODY[]')),
      };
    });
}

function scenario(msgs: RawMsg[]): {
  stream: Buffer;
  expected: Msg[];
} {
  const expected: Msg[] = [];
  const parts: Buffer[] = [];
  msgs.forEach((raw, i) => {
    const m: Msg = {
      seq: i + 1,
      uid: raw.uid,
      flags: raw.flags,
      // A quoted string carries no CR, LF, quote or backslash (RFC 9051 QUOTED-CHAR).
      body:
        raw.as === 'quoted'
          ? Buffer.from(
              raw.body.filter((b: number) => b !== 13 && b !== 10 && b !== 34 && b !== 92 && b !== 0),
            )
          : raw.body,
      as: raw.as,
      order: raw.order,
    };
    expected.push(m);
    for (const u of raw.unsolicited) parts.push(Buffer.from(u));
    parts.push(fetchBytes(m));
  });
  parts.push(Buffer.from(`F7 OK Fetch completed (0.001 + 0.000 secs).${CRLF}`));
  return { stream: Buffer.concat(parts), expected };
}

describe('FETCH response parser', () => {
  it('reads every message back, whatever the item order and wherever the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(msgArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (msgs, rawCuts) => {
          const { stream, expected } = scenario(msgs);
          const rs = readAll(
            stream,
            rawCuts.map((c) => c % stream.length),
          );
          const got = bodiesOf(rs);
          expect(got.map((g) => g.uid)).toEqual(expected.map((m) => m.uid));
          expect(got.map((g) => g.flags)).toEqual(expected.map((m) => m.flags));
          got.forEach((g, i) => expect(g.body?.equals(expected[i]!.body)).toBe(true));
          // The unsolicited responses are read as such, not as messages, and the tagged OK last.
          const last = rs[rs.length - 1];
          expect(last).toMatchObject({ kind: 'status', tag: 'F7', status: 'OK' });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a stream fed one byte at a time', () => {
    const { stream, expected } = scenario([
      {
        uid: 7,
        flags: ['\\Seen'],
        body: Buffer.from(`a)\r\n{3}\r\n\0\xff`, 'latin1'),
        as: 'literal',
        order: [2, 0, 1, 3, 4],
        unsolicited: UNSOLICITED,
      },
      { uid: 8, flags: [], body: Buffer.alloc(0), as: 'literal8', order: [4, 3, 2, 1, 0], unsolicited: [] },
    ]);
    const got = bodiesOf(
      readAll(
        stream,
        Array.from({ length: stream.length }, (_, i) => i),
      ),
    );
    expect(got.map((g) => [g.uid, g.flags, g.body?.toString('latin1')])).toEqual(
      expected.map((m) => [m.uid, m.flags, m.body.toString('latin1')]),
    );
  });

  it('hands over a literal that arrived in one chunk as a view of that chunk, and copies one split across chunks once', () => {
    const body = Buffer.from('Subject: x\r\n\r\nhello\r\n');
    const stream = fetchBytes({ seq: 1, uid: 5, flags: [], body, as: 'literal', order: [0, 1, 2, 3, 4] });
    // A view shares the chunk's memory: overwriting the chunk shows through; a copy does not.
    const chunk = Buffer.from(stream);
    const whole = bodiesOf(readAll(chunk, []))[0]?.body;
    expect(whole?.equals(body)).toBe(true);
    chunk.fill(0x2e);
    expect(whole?.toString()).toBe('.'.repeat(body.length));
    const copy = Buffer.from(stream);
    const split = bodiesOf(readAll(copy, [stream.indexOf(body) + 5]))[0]?.body;
    copy.fill(0x2e);
    expect(split?.equals(body)).toBe(true);
  });

  it('reads NIL, nested lists, quoted escapes and bracketed item names', () => {
    const rs = readAll(
      Buffer.from(
        `* 4 FETCH (BODY[HEADER.FIELDS (MESSAGE-ID)] {21}\r\nMessage-ID: <a@b>\r\n\r\n UID 9 RFC822.SIZE 1234 ENVELOPE ("d" "s \\"q\\" \\\\" NIL) BODY[1] NIL)\r\n`,
        'latin1',
      ),
      [],
    );
    const r = rs[0];
    if (r?.kind !== 'fetch') throw new Error('not a FETCH');
    expect(r.seq).toBe(4);
    expect(asBytes(r.items.get('BODY[HEADER.FIELDS (MESSAGE-ID)]'))?.toString()).toBe(
      'Message-ID: <a@b>\r\n\r\n',
    );
    expect(asNumber(r.items.get('UID'))).toBe(9);
    expect(asNumber(r.items.get('RFC822.SIZE'))).toBe(1234);
    expect(r.items.get('ENVELOPE')).toEqual(['d', 's "q" \\', null]);
    expect(r.items.get('BODY[1]')).toBeNull();
  });

  it('refuses a line or a literal no server would send instead of buffering it', () => {
    const framer = new ResponseFramer(() => undefined);
    expect(() => framer.push(Buffer.from(`* 1 FETCH (BODY[] {99999999999}\r\n`))).toThrow(/literal/);
    const other = new ResponseFramer(() => undefined);
    expect(() => other.push(Buffer.alloc(2 * 1024 * 1024, 0x41))).toThrow(/too long/);
  });
});
