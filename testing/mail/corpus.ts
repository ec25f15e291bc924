import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';

/**
 * Generated mail for tests and the benchmark: deterministic (seeded), with the awkward cases a
 * migration meets: nested and non-ASCII folders, attachments, 8-bit and malformed MIME, no
 * Message-ID, duplicate Message-IDs, byte-identical copies, every flag and custom keywords, old
 * internal dates, and optionally one very large message.
 */

export interface CorpusMessage {
  folder: string;
  content: Buffer;
  flags: string[];
  internalDate: Date;
}

/** Small seeded PRNG (mulberry32), so a corpus is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CRLF = '\r\n';

function headers(h: Array<[string, string]>): string {
  return h.map(([k, v]) => `${k}: ${v}`).join(CRLF) + CRLF + CRLF;
}

function filler(rand: () => number, bytes: number): string {
  const words = [
    'migration',
    'mailbox',
    'budget',
    'report',
    'meeting',
    'quarterly',
    'invoice',
    'project',
    'résumé',
    'thanks',
  ];
  const lines: string[] = [];
  let n = 0;
  while (n < bytes) {
    let line = '';
    while (line.length < 70) line += words[Math.floor(rand() * words.length)] + ' ';
    lines.push(line.trimEnd());
    n += line.length + 2;
  }
  return lines.join(CRLF);
}

function base64Lines(buf: Buffer): string {
  return (buf.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

export interface PlainOptions {
  id?: string | null;
  subject?: string;
  date?: Date;
  bodyBytes?: number;
  attachmentBytes?: number;
  seed?: number;
}

export function plainMessage(o: PlainOptions = {}): Buffer {
  const rand = prng(o.seed ?? 1);
  const date = o.date ?? new Date('2024-03-01T10:00:00Z');
  const h: Array<[string, string]> = [
    ['From', '"Alice Example" <alice@example.test>'],
    ['To', 'bob@example.test'],
    ['Subject', o.subject ?? 'Hello'],
    ['Date', date.toUTCString().replace('GMT', '+0000')],
  ];
  if (o.id !== null) h.push(['Message-ID', o.id ?? `<${Math.floor(rand() * 1e12)}@example.test>`]);
  h.push(['MIME-Version', '1.0']);
  if (!o.attachmentBytes) {
    h.push(['Content-Type', 'text/plain; charset=utf-8'], ['Content-Transfer-Encoding', '8bit']);
    return Buffer.from(headers(h) + filler(rand, o.bodyBytes ?? 500) + CRLF);
  }
  const boundary = `b_${Math.floor(rand() * 1e9)}`;
  h.push(['Content-Type', `multipart/mixed; boundary="${boundary}"`]);
  const att = Buffer.alloc(o.attachmentBytes);
  for (let i = 0; i < att.length; i++) att[i] = Math.floor(rand() * 256);
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    filler(rand, o.bodyBytes ?? 300),
    `--${boundary}`,
    'Content-Type: application/octet-stream; name="data.bin"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="data.bin"',
    '',
    base64Lines(att),
    `--${boundary}--`,
    '',
  ].join(CRLF);
  return Buffer.from(headers(h) + body);
}

const OLD = new Date('1998-07-14T08:30:00Z');

/**
 * The test corpus: tens of messages over every awkward case, plus (optionally) one message of
 * `largeBytes` in INBOX.
 */
export function testCorpus(opts: { largeBytes?: number } = {}): CorpusMessage[] {
  const out: CorpusMessage[] = [];
  const at = (days: number): Date => new Date(Date.UTC(2024, 0, 1) + days * 86400000);
  const add = (
    folder: string,
    content: Buffer,
    flags: string[] = [],
    internalDate = at(out.length),
  ): void => {
    out.push({ folder, content, flags, internalDate });
  };
  // INBOX: plain, attachment, every flag, keywords.
  add('INBOX', plainMessage({ subject: 'plain', seed: 1 }), ['\\Seen']);
  add('INBOX', plainMessage({ subject: 'with attachment', attachmentBytes: 20000, seed: 2 }), [
    '\\Seen',
    '\\Flagged',
  ]);
  add('INBOX', plainMessage({ subject: 'all flags', seed: 3 }), [
    '\\Seen',
    '\\Answered',
    '\\Flagged',
    '\\Deleted',
    '\\Draft',
  ]);
  add('INBOX', plainMessage({ subject: 'keywords', seed: 4 }), ['$Forwarded', 'Project-X', '$Label1']);
  add('INBOX', plainMessage({ subject: 'unread', seed: 5 }));
  // No Message-ID; duplicate Message-IDs on different messages; byte-identical copies.
  add('INBOX', plainMessage({ subject: 'no message-id', id: null, seed: 6 }), ['\\Seen']);
  add('INBOX', plainMessage({ subject: 'dup id one', id: '<same@example.test>', seed: 7 }));
  add('INBOX', plainMessage({ subject: 'dup id two', id: '<same@example.test>', seed: 8 }));
  const twin = plainMessage({ subject: 'identical twin', seed: 9 });
  add('INBOX', twin, ['\\Seen'], at(40));
  add('INBOX', Buffer.from(twin), ['\\Seen'], at(40));
  // 8-bit: Latin-1 bytes without a charset, raw UTF-8 in a header.
  add(
    'INBOX',
    Buffer.concat([
      Buffer.from(
        `From: x@example.test${CRLF}Subject: =?utf-8?q?caf=C3=A9?= ünï${CRLF}Message-ID: <8bit@example.test>${CRLF}${CRLF}`,
      ),
      Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0xfc, 0x62, 0x65, 0x72, 0x0d, 0x0a]),
    ]),
  );
  // Malformed MIME: unterminated multipart, header without a colon, bare LF.
  add(
    'INBOX',
    Buffer.from(
      `From: broken@example.test${CRLF}Subject: malformed${CRLF}Message-ID: <broken@example.test>${CRLF}MIME-Version: 1.0${CRLF}` +
        `Content-Type: multipart/mixed; boundary="nope"${CRLF}this header has no colon${CRLF}${CRLF}--nope${CRLF}Content-Type: text/plain${CRLF}${CRLF}half\nbare LF${CRLF}`,
    ),
  );
  // Old internal dates.
  add('INBOX', plainMessage({ subject: 'from 1998', date: OLD, seed: 10 }), ['\\Seen'], OLD);
  add(
    'Archives',
    plainMessage({ subject: 'archived 1999', date: new Date('1999-12-31T23:59:59Z'), seed: 11 }),
    ['\\Seen'],
    new Date('1999-12-31T23:59:59Z'),
  );
  // Special-use folders (names differ from the target's).
  add('Sent Messages', plainMessage({ subject: 'sent', seed: 12 }), ['\\Seen']);
  add('Sent Messages', plainMessage({ subject: 'sent 2', seed: 13 }), ['\\Seen', '\\Answered']);
  add('Brouillons', plainMessage({ subject: 'draft', seed: 14 }), ['\\Draft']);
  add('Corbeille', plainMessage({ subject: 'trash', seed: 15 }), ['\\Seen', '\\Deleted']);
  add('Spam', plainMessage({ subject: 'junk', seed: 16 }), ['$Junk']);
  // Nested and non-ASCII folders.
  add('Projects/2024/Q1', plainMessage({ subject: 'nested', seed: 17 }), ['\\Seen']);
  add('Projects/2024/Q1', plainMessage({ subject: 'nested attachment', attachmentBytes: 5000, seed: 18 }));
  add('Ünïcode/Sub', plainMessage({ subject: 'unicode folder', seed: 19 }), ['\\Seen']);
  add('日本語', plainMessage({ subject: 'japanese folder', seed: 20 }));
  add('R&D', plainMessage({ subject: 'ampersand folder', seed: 21 }), ['Project-X']);
  if (opts.largeBytes) {
    add(
      'INBOX',
      plainMessage({
        subject: 'very large',
        attachmentBytes: Math.floor((opts.largeBytes * 3) / 4),
        seed: 22,
      }),
      ['\\Seen'],
      at(60),
    );
  }
  return out;
}

/** A realistic size mix for the benchmark (mean ≈ 18 KB, a few large ones). */
export function* benchCorpus(count: number, seed: number): Generator<CorpusMessage> {
  const rand = prng(seed);
  const folders = ['INBOX', 'INBOX', 'INBOX', 'INBOX', 'Sent Messages', 'Archives', 'Projects/2024'];
  for (let i = 0; i < count; i++) {
    const r = rand();
    const size =
      r < 0.6
        ? 2000 + rand() * 6000
        : r < 0.9
          ? 8000 + rand() * 24000
          : r < 0.99
            ? 32000 + rand() * 96000
            : 128000 + rand() * 384000;
    const attach = size > 12000 ? Math.floor((size - 2000) * 0.74) : 0;
    const content = plainMessage({
      subject: `message ${i}`,
      bodyBytes: attach ? 1500 : Math.floor(size),
      attachmentBytes: attach,
      seed: seed * 100000 + i,
    });
    const folder = folders[Math.floor(rand() * folders.length)] ?? 'INBOX';
    const flags = rand() < 0.8 ? ['\\Seen'] : [];
    if (rand() < 0.05) flags.push('\\Flagged');
    yield { folder, content, flags, internalDate: new Date(Date.UTC(2015, 0, 1) + i * 3600_000) };
  }
}

export interface SeedTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** APPENDs messages (with flags and INTERNALDATE), creating folders; `connections` in parallel. */
export async function seedMailbox(
  to: SeedTarget,
  messages: Iterable<CorpusMessage>,
  connections = 1,
): Promise<number> {
  const clients: ImapFlow[] = [];
  for (let i = 0; i < connections; i++) {
    const c = new ImapFlow({
      host: to.host,
      port: to.port,
      secure: false,
      logger: false,
      auth: { user: to.user, pass: to.password },
    });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
  }
  // Folders are created once; workers needing the same folder wait for the same CREATE.
  const made = new Map<string, Promise<unknown>>([['INBOX', Promise.resolve()]]);
  const it = messages[Symbol.iterator]();
  let n = 0;
  const worker = async (c: ImapFlow): Promise<void> => {
    for (;;) {
      const next = it.next();
      if (next.done) return;
      const m = next.value;
      let created = made.get(m.folder);
      if (!created) {
        created = c.mailboxCreate(m.folder).catch(() => undefined);
        made.set(m.folder, created);
      }
      await created;
      await c.append(m.folder, m.content, m.flags, m.internalDate);
      n++;
    }
  };
  try {
    await Promise.all(clients.map(worker));
  } finally {
    await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
  }
  return n;
}

export interface SnapshotItem {
  sha256: string;
  size: number;
  flags: string[];
  internalDate: string;
}

/** Every folder's messages, as (sha256 of the bytes, flags, INTERNALDATE), sorted: equal snapshots = equal mail. */
export async function snapshotMailbox(from: SeedTarget): Promise<Map<string, SnapshotItem[]>> {
  const c = new ImapFlow({
    host: from.host,
    port: from.port,
    secure: false,
    logger: false,
    auth: { user: from.user, pass: from.password },
  });
  c.on('error', () => undefined);
  await c.connect();
  const out = new Map<string, SnapshotItem[]>();
  try {
    for (const f of await c.list()) {
      if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
      await c.mailboxOpen(f.path, { readOnly: true });
      const items: SnapshotItem[] = [];
      if ((c.mailbox && c.mailbox.exists) || 0) {
        for await (const m of c.fetch('1:*', { uid: true, source: true, flags: true, internalDate: true })) {
          items.push({
            sha256: createHash('sha256')
              .update(m.source ?? Buffer.alloc(0))
              .digest('hex'),
            size: m.source?.length ?? 0,
            flags: [...(m.flags ?? [])].filter((x) => x !== '\\Recent').sort(),
            internalDate: new Date(String(m.internalDate)).toISOString(),
          });
        }
      }
      items.sort((a, b) =>
        a.sha256 + a.internalDate + a.flags.join() < b.sha256 + b.internalDate + b.flags.join() ? -1 : 1,
      );
      out.set(f.path, items);
    }
  } finally {
    await c.logout().catch(() => undefined);
  }
  return out;
}

/**
 * Where each source folder of the corpus lands on a target whose special-use folders have
 * Exchange's names (TARGET_SPECIAL_USE): role folders by role, the rest by path.
 */
export const CORPUS_FOLDER_MAP: Readonly<Record<string, string>> = {
  INBOX: 'INBOX',
  'Sent Messages': 'Sent Items',
  Brouillons: 'Drafts',
  Corbeille: 'Deleted Items',
  Spam: 'Junk Email',
  Archives: 'Archive',
  'Projects/2024/Q1': 'Projects/2024/Q1',
  'Ünïcode/Sub': 'Ünïcode/Sub',
  日本語: '日本語',
  'R&D': 'R&D',
};
