import net from 'node:net';
import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { useDovecot } from '../../testing/jest/dovecot';
import { EXCHANGE_ONLINE_CAPABILITIES } from '../../testing/mail/dovecot-oauth';
import { plainMessage } from '../../testing/mail/corpus';
import { ImapTarget } from '../../shared/mail/imap-target';
import { PIPELINE_BYTES_IN_FLIGHT } from '../../shared/mail/limits';
import type { TargetMessage } from '../../shared/mail/target';

/**
 * The append writer against real Dovecots that offer LITERAL+: one with MULTIAPPEND (Dovecot's own
 * capabilities) and one with Exchange Online's list (no MULTIAPPEND: single APPENDs pipelined).
 * A counting relay in front of each shows what a user's packet capture would: no `+` continuation
 * is awaited, several APPENDs are on the wire at once, never more than the bytes-in-flight bound.
 */
const full = useDovecot();
const exchangeLike = useDovecot({ extraConfig: [`imap_capability = ${EXCHANGE_ONLINE_CAPABILITIES}`] });
// Servers that take only synchronizing literals (no LITERAL+ or LITERAL-): each literal waits for
// its `+`; with MULTIAPPEND (older Courier or Cyrus) and without (Exchange 2007 SP1's list).
const syncMulti = useDovecot({
  extraConfig: ['imap_capability = IMAP4rev1 SASL-IR ID ENABLE IDLE NAMESPACE UIDPLUS MULTIAPPEND'],
});
const syncSingle = useDovecot({
  extraConfig: ['imap_capability = IMAP4 IMAP4rev1 AUTH=PLAIN UIDPLUS IDLE NAMESPACE CHILDREN'],
});

beforeAll(() => {
  for (const d of [full(), exchangeLike(), syncMulti(), syncSingle()])
    for (let i = 1; i <= 4; i++) d.addUser(`p${i}@example.test`, 'pw');
});

interface Relay {
  port: number;
  /** `+` continuation requests the server sent to an APPEND. */
  continuations: number;
  /** APPEND commands sent (each MULTIAPPEND counts once). */
  appends: number;
  /** Most APPENDs sent and not yet answered, as the relay saw them. */
  maxOutstanding: number;
  stop(): Promise<void>;
}

/** A loopback relay that counts continuations and unanswered APPENDs; relays bytes untouched. */
async function countingRelay(port: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const outstanding = new Set<string>();
  const relay: Relay = {
    port: 0,
    continuations: 0,
    appends: 0,
    maxOutstanding: 0,
    stop: async () => undefined,
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let clientTail = '';
    let serverTail = '';
    client.on('data', (d: Buffer) => {
      const text = clientTail + d.toString('latin1');
      for (const m of text.matchAll(/(?:^|\r\n)([A-Za-z0-9.]+) APPEND /gi)) {
        if (!m[1] || outstanding.has(m[1])) continue;
        outstanding.add(m[1]);
        relay.appends++;
        relay.maxOutstanding = Math.max(relay.maxOutstanding, outstanding.size);
      }
      clientTail = text.slice(-64);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      const text = serverTail + d.toString('latin1');
      for (const m of text.matchAll(/(?:^|\r\n)([A-Za-z0-9.]+) (OK|NO|BAD) /gi))
        if (m[1]) outstanding.delete(m[1]);
      // A `+` while an APPEND is unanswered is that APPEND's continuation (logins have their own).
      if (outstanding.size)
        relay.continuations += (d.toString('latin1').match(/(?:^|\r\n)\+ /g) ?? []).length;
      serverTail = text.slice(-64);
      client.write(d);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  relay.port = (server.address() as net.AddressInfo).port;
  relay.stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
  return relay;
}

function message(i: number, bytes: number): TargetMessage {
  const content = plainMessage({ subject: `m${i}`, bodyBytes: bytes, seed: i, id: `<m${i}@pipeline.test>` });
  return {
    key: `k${i}`,
    messageId: `<m${i}@pipeline.test>`,
    size: content.length,
    internalDate: new Date(Date.UTC(2020, 1, 1 + (i % 27), 8, i % 60, 7)),
    content,
    flags: i % 2 ? ['\\Seen', '$Forwarded'] : ['\\Flagged'],
  };
}

const endpoint = (port: number) => ({
  host: '127.0.0.1',
  port,
  security: 'none' as const,
  admin: { user: 'admin', loginFormat: '{user}*{admin}' },
  maxMessageSizeMB: 35,
  connections: 1,
  allowInvalidCertificates: false,
  auth: 'password' as const,
});

/** What the server holds in `folder`, by UID: sha256, flags, INTERNALDATE. */
async function stored(port: number, user: string, folder: string) {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    logger: false,
    auth: { user, pass: 'pw' },
  });
  c.on('error', () => undefined);
  await c.connect();
  const out = new Map<string, { sha256: string; flags: string[]; date: string }>();
  try {
    await c.mailboxOpen(folder, { readOnly: true });
    for await (const m of c.fetch('1:*', { uid: true, source: true, flags: true, internalDate: true })) {
      out.set(String(m.uid), {
        sha256: createHash('sha256')
          .update(m.source ?? Buffer.alloc(0))
          .digest('hex'),
        flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
        date: new Date(String(m.internalDate)).toISOString(),
      });
    }
  } finally {
    await c.logout().catch(() => undefined);
  }
  return out;
}

const expected = (m: TargetMessage) => ({
  sha256: createHash('sha256')
    .update(m.content as Buffer)
    .digest('hex'),
  flags: [...m.flags].sort(),
  date: m.internalDate.toISOString(),
});

let relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  relays = [];
});
async function relayTo(port: number): Promise<Relay> {
  const r = await countingRelay(port);
  relays.push(r);
  return r;
}

it.each([
  ['MULTIAPPEND', full, 'p1@example.test'],
  ['pipelined single APPENDs (Exchange Online capabilities)', exchangeLike, 'p2@example.test'],
])(
  '%s: every message arrives byte for byte with flags and date, its UID answered, no continuation awaited',
  async (_how, server, user) => {
    const relay = await relayTo(server().port);
    const target = await ImapTarget.open(endpoint(relay.port), { email: user, password: 'adminpw' });
    const folder = 'Projets/Été 2020 & co';
    try {
      await target.ensureFolder(folder);
      const messages = Array.from({ length: 24 }, (_, i) => message(i, i % 3 ? 9000 + i * 3000 : 700));
      const results = await target.append(folder, messages);
      expect(results.every((r) => r.ok)).toBe(true);
      const onServer = await stored(server().port, user, folder);
      expect(onServer.size).toBe(messages.length);
      results.forEach((r, i) => {
        const id = r.ok ? r.id : undefined;
        expect(id).toBeDefined();
        expect(onServer.get(id as string)).toEqual(expected(messages[i] as TargetMessage));
      });
    } finally {
      await target.close();
    }
    // Messages of 9 KB and more went without waiting for the server's `+` (imapflow waits per message).
    expect(relay.continuations).toBe(0);
  },
  30000,
);

it('keeps several single APPENDs on the wire at once, never more bytes than the bound', async () => {
  const relay = await relayTo(exchangeLike().port);
  const target = await ImapTarget.open(endpoint(relay.port), {
    email: 'p3@example.test',
    password: 'adminpw',
  });
  const perMessage = 1024 * 1024;
  try {
    const messages = Array.from({ length: 30 }, (_, i) => message(100 + i, perMessage));
    const results = await target.append('INBOX', messages);
    expect(results.filter((r) => r.ok)).toHaveLength(30);
  } finally {
    await target.close();
  }
  expect(relay.appends).toBe(30);
  expect(relay.maxOutstanding).toBeGreaterThan(1);
  expect(relay.maxOutstanding).toBeLessThanOrEqual(Math.floor(PIPELINE_BYTES_IN_FLIGHT / perMessage));
}, 60000);

it('a message the server refuses in the middle of a pipeline is refused alone; the others are stored', async () => {
  const target = await ImapTarget.open(endpoint(exchangeLike().port), {
    email: 'p4@example.test',
    password: 'adminpw',
  });
  try {
    const good = [message(200, 6000), message(201, 6000)];
    // Dovecot refuses a zero-byte message ("NO Can't save a zero byte message").
    const empty: TargetMessage = { ...message(202, 10), content: Buffer.alloc(0), size: 0 };
    const results = await target.append('INBOX', [good[0] as TargetMessage, empty, good[1] as TargetMessage]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ ok: false, reason: expect.stringMatching(/zero byte/i) });
    const onServer = await stored(exchangeLike().port, 'p4@example.test', 'INBOX');
    expect([...onServer.values()].map((m) => m.sha256).sort()).toEqual(
      good.map((m) => expected(m).sha256).sort(),
    );
  } finally {
    await target.close();
  }
}, 30000);

it.each([
  ['MULTIAPPEND with synchronizing literals', syncMulti],
  ['single APPENDs with synchronizing literals', syncSingle],
])(
  '%s (no LITERAL+): each literal waits for its `+`, and every message arrives byte for byte',
  async (_how, server) => {
    const relay = await relayTo(server().port);
    const target = await ImapTarget.open(endpoint(relay.port), {
      email: 'p1@example.test',
      password: 'adminpw',
    });
    const folder = 'Archiv/Übersicht';
    const messages = Array.from({ length: 12 }, (_, i) => message(300 + i, i % 2 ? 7000 : 300));
    try {
      await target.ensureFolder(folder);
      const results = await target.append(folder, messages);
      expect(results.every((r) => r.ok)).toBe(true);
      const onServer = await stored(server().port, 'p1@example.test', folder);
      expect(onServer.size).toBe(messages.length);
      results.forEach((r, i) => {
        expect(onServer.get((r.ok ? r.id : undefined) as string)).toEqual(
          expected(messages[i] as TargetMessage),
        );
      });
    } finally {
      await target.close();
    }
    // A server without LITERAL+ gets no non-synchronizing literal: one `+` for every message.
    expect(relay.continuations).toBe(messages.length);
  },
  30000,
);

it('with synchronizing literals, a message refused in the middle is refused alone', async () => {
  const target = await ImapTarget.open(endpoint(syncSingle().port), {
    email: 'p2@example.test',
    password: 'adminpw',
  });
  try {
    const good = [message(400, 6000), message(401, 6000)];
    const empty: TargetMessage = { ...message(402, 10), content: Buffer.alloc(0), size: 0 };
    const results = await target.append('INBOX', [good[0] as TargetMessage, empty, good[1] as TargetMessage]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const onServer = await stored(syncSingle().port, 'p2@example.test', 'INBOX');
    expect([...onServer.values()].map((m) => m.sha256).sort()).toEqual(
      good.map((m) => expected(m).sha256).sort(),
    );
  } finally {
    await target.close();
  }
}, 30000);
