import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { seedMailbox, testCorpus, plainMessage, type CorpusMessage } from '../../testing/mail/corpus';
import { startFaultProxy, type FaultProxy } from '../../testing/faults/imap-proxy';
import { syncMailbox } from '../../shared/mail';
import { ImapSource, flagList, messageIdOf, type MessageMeta } from '../../shared/mail/source';
import { openWire } from '../../shared/mail/append/auth';
import { CONTINUE } from '../../shared/mail/append/connection';
import { closeSessionPool } from '../../shared/mail/session-pool';
import { MailError } from '../../shared/mail/errors';
import { parseEndpoint, type ImapEndpoint } from '../../shared/mail/settings';
import { useMailServers } from '../faults/mail-fixture';

/**
 * The source's bulk FETCH read by our own reader (shared/mail/fetch), against a real Dovecot:
 * every message comes back byte for byte with its UID and flags (the corpus, plus NUL bytes and a
 * header far larger than a socket chunk), as imapflow reads the same messages; a FETCH cut in the
 * middle of a literal is MAIL_CONNECTION_LOST, never a short answer, and the copy through such
 * cuts leaves no gap and no duplicate.
 */
const servers = useMailServers();
const { source, as, ctx, compare } = servers;

let proxies: FaultProxy[] = [];
afterEach(async () => {
  await closeSessionPool();
  await Promise.all(proxies.map((p) => p.stop()));
  proxies = [];
});

const USERS = [
  'fr1@example.test',
  'fr2@example.test',
  'fr3@example.test',
  'fr4@example.test',
  'fr5@example.test',
  'fr6@example.test',
  'fr7@example.test',
];
beforeAll(() => {
  for (const u of USERS) for (const d of [source(), servers.target()]) d.addUser(u, 'pw');
});

/**
 * A message as Dovecot serves it in BODY[]: bare LFs stored as CRLF, and each NUL byte as 0x80 (a
 * plain literal may not carry NULs; BINARY[] would).
 */
function asServed(b: Buffer): Buffer {
  return Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/\0/g, '\x80'), 'latin1');
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A header of `lines` Received-like lines (far over a socket chunk), then a short body. */
function hugeHeader(lines: number): Buffer {
  const h: string[] = ['From: big@example.test', 'Subject: huge header', 'Message-ID: <huge@example.test>'];
  for (let i = 0; i < lines; i++)
    h.push(`X-Trace-${i}: from relay${i}.example.test by mx.example.test with ESMTP id ${i.toString(36)}`);
  return Buffer.from(`${h.join('\r\n')}\r\n\r\nshort body\r\n`);
}

/** A message with NUL bytes, appended as literal8 (RFC 3516): imapflow cannot send one. */
async function appendBinary(user: string, body: Buffer): Promise<void> {
  const wire = await openWire(sourceEndpoint(source()), { email: user, password: 'adminpw' }, 'source');
  try {
    await wire.command([`APPEND INBOX (\\Seen $NulTest) ~{${body.length}}\r\n`, CONTINUE, body]);
  } finally {
    await wire.logout();
  }
}

const NUL_MESSAGE = Buffer.concat([
  Buffer.from('From: nul@example.test\r\nSubject: nul bytes\r\nMessage-ID: <nul@example.test>\r\n\r\nbefore'),
  Buffer.from([0, 1, 0, 0xff, 0]),
  Buffer.from('after\r\n'),
]);

async function seed(user: string): Promise<CorpusMessage[]> {
  const extra: CorpusMessage[] = [
    {
      folder: 'INBOX',
      content: hugeHeader(6000),
      flags: ['\\Seen', 'Project-X'],
      internalDate: new Date('2024-03-01T00:00:00Z'),
    },
    {
      folder: 'INBOX',
      content: plainMessage({ subject: 'after the huge one', attachmentBytes: 300_000, seed: 77 }),
      flags: [],
      internalDate: new Date('2024-03-02T00:00:00Z'),
    },
  ];
  const corpus = [...testCorpus(), ...extra];
  await seedMailbox(as(source, user), corpus);
  await appendBinary(user, NUL_MESSAGE);
  return corpus;
}

/** What imapflow reads for every message of a folder: the reference. */
async function imapflowRead(
  user: string,
  folder: string,
): Promise<Map<number, { sha: string; flags: string[] }>> {
  const c = new ImapFlow({
    host: source().host,
    port: source().port,
    secure: false,
    logger: false,
    auth: { user, pass: 'pw' },
  });
  c.on('error', () => undefined);
  await c.connect();
  const out = new Map<number, { sha: string; flags: string[] }>();
  try {
    await c.mailboxOpen(folder, { readOnly: true });
    for await (const m of c.fetch('1:*', { uid: true, source: true, flags: true }, { uid: false }))
      out.set(m.uid, {
        sha: sha(m.source ?? Buffer.alloc(0)),
        flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
      });
  } finally {
    await c.logout().catch(() => undefined);
  }
  return out;
}

function sourceEndpoint(hop: { host: string; port: number }): ImapEndpoint {
  const admin = { user: 'admin', loginFormat: '{user}*{admin}' };
  return parseEndpoint({ host: hop.host, port: hop.port, security: 'none', admin }, 'source');
}

it('returns every message byte for byte with its UID and flags, in UID order, one at a time', async () => {
  const user = USERS[0]!;
  const corpus = await seed(user);
  const src = await ImapSource.open(sourceEndpoint(source()), { email: user, password: 'adminpw' });
  try {
    const folders = (await src.listFolders()).filter((f) => f.selectable && f.messages > 0);
    expect(folders.length).toBeGreaterThan(5);
    let total = 0;
    for (const f of folders) {
      await src.examine(f.path);
      const uids = await src.allUids();
      const got: Array<{ uid: number; sha: string; flags: string[]; size: number }> = [];
      let busy = false;
      await src.bodies(uids, async (uid, content, flags) => {
        // onMessage is awaited before the next message is handed over.
        expect(busy).toBe(false);
        busy = true;
        if (!Buffer.isBuffer(content)) throw new Error('a bulk read is whole bytes');
        await new Promise((r) => setImmediate(r));
        got.push({ uid, sha: sha(content), flags, size: content.length });
        busy = false;
      });
      expect(got.map((g) => g.uid)).toEqual(uids);
      const reference = await imapflowRead(user, f.path);
      expect(new Map(got.map((g) => [g.uid, { sha: g.sha, flags: g.flags }]))).toEqual(reference);
      // And the bytes are the ones that were stored (as Dovecot serves them: see asServed).
      const stored = corpus.filter((m) => m.folder === f.path).map((m) => sha(asServed(m.content)));
      if (f.path === 'INBOX') stored.push(sha(asServed(NUL_MESSAGE)));
      expect(got.map((g) => g.sha).sort()).toEqual(stored.sort());
      total += got.length;
    }
    expect(total).toBe(corpus.length + 1);
    const flagsOfNul = await (async () => {
      await src.examine('INBOX');
      let flags: string[] = [];
      await src.bodies(await src.allUids(), async (_uid, content, f) => {
        if (Buffer.isBuffer(content) && content.includes('<nul@example.test>')) flags = f;
      });
      return flags;
    })();
    expect(flagsOfNul).toEqual(['$NulTest', '\\Seen']);
  } finally {
    await src.close();
  }
}, 120000);

it('a FETCH cut in the middle of a literal is MAIL_CONNECTION_LOST after the whole messages before it', async () => {
  const user = USERS[1]!;
  const corpus = await seed(user);
  const p = await startFaultProxy({
    upstreamHost: source().host,
    upstreamPort: source().port,
    lifetimeMs: 120_000,
  });
  proxies.push(p);
  const src = await ImapSource.open(sourceEndpoint(p), { email: user, password: 'adminpw' });
  try {
    await src.examine('INBOX');
    const uids = await src.allUids();
    p.arm({ kind: 'fetchCut', afterBytes: 30_000 });
    const got: Buffer[] = [];
    const err = await src
      .bodies(uids, async (_uid, content) => {
        if (Buffer.isBuffer(content)) got.push(Buffer.from(content));
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(p.fired.fetchCut).toBe(1);
    expect(err).toBeInstanceOf(MailError);
    expect((err as MailError).code).toBe('MAIL_CONNECTION_LOST');
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(uids.length);
    // What was handed over before the cut is whole: each is one of the stored messages.
    const stored = new Set(corpus.filter((m) => m.folder === 'INBOX').map((m) => sha(m.content)));
    for (const b of got) expect(stored.has(sha(b))).toBe(true);
    expect(src.usable).toBe(false);
  } finally {
    await src.close();
  }
}, 120000);

it('a copy whose source FETCHes are cut mid-literal leaves no gap and no duplicate', async () => {
  const user = USERS[2]!;
  await seed(user);
  const p = await startFaultProxy({
    upstreamHost: source().host,
    upstreamPort: source().port,
    lifetimeMs: 120_000,
  });
  proxies.push(p);
  p.arm({ kind: 'fetchCut', afterBytes: 20_000, times: 3 });
  const summary = await syncMailbox(ctx(user, { source: p }));
  expect(p.fired.fetchCut).toBe(3);
  expect(summary.error).toBeUndefined();
  const { source: s, target: t } = await compare(user);
  expect(t).toEqual(s);
}, 120000);

it('reads nothing under UIDs whose folder was recreated between the two connections', async () => {
  const user = USERS[3]!;
  await seedMailbox(as(source, user), testCorpus());
  const src = await ImapSource.open(sourceEndpoint(source()), { email: user, password: 'adminpw' });
  try {
    await src.examine('INBOX');
    const uids = await src.allUids();
    source().doveadm('mailbox', 'update', '-u', user, '--uid-validity', '4242', 'INBOX');
    const got: number[] = [];
    const err = await src
      .bodies(uids, async (uid) => void got.push(uid))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(got).toEqual([]);
    expect(err).toBeInstanceOf(MailError);
    expect((err as MailError).code).toBe('MAIL_CONNECTION_LOST');
    expect((err as MailError).message).toMatch(/UIDVALIDITY of INBOX changed/);
  } finally {
    await src.close();
  }
}, 60000);

it("reads each message's size, INTERNALDATE, flags and Message-ID as imapflow did (the index fingerprint)", async () => {
  const user = USERS[4]!;
  await seed(user);
  const src = await ImapSource.open(sourceEndpoint(source()), { email: user, password: 'adminpw' });
  const c = new ImapFlow({
    host: source().host,
    port: source().port,
    secure: false,
    logger: false,
    auth: { user, pass: 'pw' },
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    let compared = 0;
    for (const f of (await src.listFolders()).filter((x) => x.selectable && x.messages > 0)) {
      await src.examine(f.path);
      const mine = await src.meta(await src.allUids());
      await c.mailboxOpen(f.path, { readOnly: true });
      const theirs: MessageMeta[] = [];
      const q = { uid: true, size: true, internalDate: true, flags: true, headers: ['message-id'] };
      for await (const m of c.fetch('1:*', q, { uid: true }))
        theirs.push({
          uid: m.uid,
          size: m.size ?? 0,
          internalDate:
            m.internalDate instanceof Date ? m.internalDate : new Date(String(m.internalDate ?? 0)),
          flags: flagList(m.flags),
          messageId: messageIdOf(m.headers),
          subject: '',
        });
      expect(mine).toEqual(theirs.sort((a, b) => a.uid - b.uid));
      compared += mine.length;
    }
    expect(compared).toBeGreaterThan(25);
  } finally {
    await c.logout().catch(() => undefined);
    await src.close();
  }
}, 60000);

it('reads no further ahead than a socket chunk while the consumer is busy (memory stays bounded)', async () => {
  const user = USERS[5]!;
  // ~40 MB in one FETCH: were it read ahead while the first message is handed on, it would all
  // land in this process.
  const one = plainMessage({ subject: 'bulk', attachmentBytes: 380_000, seed: 300 });
  const big = Array.from({ length: 80 }, (_, i) => ({
    folder: 'INBOX',
    content: Buffer.concat([Buffer.from(`X-Bulk: ${i}\r\n`), one]),
    flags: [],
    internalDate: new Date(Date.UTC(2020, 0, i + 1)),
  }));
  await seedMailbox(as(source, user), big);
  const total = big.reduce((n, m) => n + m.content.length, 0);
  expect(total).toBeGreaterThan(35 * 1024 * 1024);
  const src = await ImapSource.open(sourceEndpoint(source()), { email: user, password: 'adminpw' });
  try {
    await src.examine('INBOX');
    const uids = await src.allUids();
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    let grown = 0;
    let n = 0;
    await src.bodies(uids, async () => {
      if (n++ > 0) return;
      // The server has long sent everything it could by the end of this wait.
      await new Promise((r) => setTimeout(r, 1500));
      grown = process.memoryUsage().arrayBuffers - before;
    });
    expect(n).toBe(big.length);
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  } finally {
    await src.close();
  }
}, 120000);

it('a session whose reader connection was reset is no longer usable, so the session pool drops it', async () => {
  const user = USERS[6]!;
  await seedMailbox(as(source, user), testCorpus());
  const p = await startFaultProxy({
    upstreamHost: source().host,
    upstreamPort: source().port,
    lifetimeMs: 120_000,
  });
  proxies.push(p);
  const src = await ImapSource.open(sourceEndpoint(p), { email: user, password: 'adminpw' });
  try {
    await src.examine('INBOX');
    const uids = await src.allUids();
    await src.bodies(uids.slice(0, 2), async () => undefined);
    expect(await src.healthy()).toBe(true);
    // The next server data is the reader's FETCH answer: its connection is reset.
    p.arm({ kind: 'reset', afterBytes: 0 });
    const err = await src
      .bodies(uids, async () => undefined)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(p.fired.reset).toBe(1);
    expect((err as MailError).code).toBe('MAIL_CONNECTION_LOST');
    expect(src.usable).toBe(false);
    expect(await src.healthy()).toBe(false);
  } finally {
    await src.close();
  }
}, 60000);
