import { plainMessage, seedMailbox, type CorpusMessage } from '../../testing/mail/corpus';
import { startFaultProxy, type FaultProxy } from '../../testing/faults/imap-proxy';
import { syncMailbox } from '../../shared/mail';
import { ImapTarget } from '../../shared/mail/imap-target';
import { parseEndpoint } from '../../shared/mail/settings';
import { isStreamed, type AppendResult, type MailTarget, type StreamedBody } from '../../shared/mail/target';
import { LARGE_BODY_BYTES } from '../../shared/mail/limits';
import { useMailServers } from '../faults/mail-fixture';

/**
 * A message over LARGE_BODY_BYTES is streamed from the source's partial FETCHes into the target's
 * APPEND literal, so it cannot be replayed from memory. Between real Dovecots (and a fault proxy):
 * a lost APPEND answer is looked up before any resend, a source cut mid-literal leaves neither a
 * partial copy nor a gap, and a resend reads the source again. Each ends with the whole target
 * equal to the whole source (sha256 of every message, flags, INTERNALDATE).
 */
const servers = useMailServers();
const { source, target, as, ctx, compare } = servers;

let proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  proxies = [];
});
async function proxy(to: () => { host: string; port: number }): Promise<FaultProxy> {
  const p = await startFaultProxy({ upstreamHost: to().host, upstreamPort: to().port, lifetimeMs: 120_000 });
  proxies.push(p);
  return p;
}

const USERS = 4;
beforeAll(() => {
  for (let i = 1; i <= USERS; i++)
    for (const d of [source(), target()]) d.addUser(`large${i}@example.test`, 'pw');
});

/** About 12 MB: 9 MB of attachment in base64 lines. */
const LARGE = plainMessage({ subject: 'large', attachmentBytes: 9 * 1024 * 1024, seed: 41 });

/** The large message first (its APPEND and its FETCH are the first ones), then two small ones. */
function mailbox(): CorpusMessage[] {
  const at = (n: number) => new Date(Date.UTC(2024, 4, 1 + n, 9));
  return [
    { folder: 'INBOX', content: LARGE, flags: ['\\Seen', 'Project'], internalDate: at(0) },
    {
      folder: 'INBOX',
      content: plainMessage({ subject: 'small one', seed: 42 }),
      flags: [],
      internalDate: at(1),
    },
    {
      folder: 'INBOX',
      content: plainMessage({ subject: 'small two', seed: 43 }),
      flags: ['\\Flagged'],
      internalDate: at(2),
    },
  ];
}

let n = 0;
async function newMailbox(): Promise<string> {
  const user = `large${++n}@example.test`;
  await seedMailbox(as(source, user), mailbox());
  return user;
}

function inboxCount(snap: Map<string, unknown[]>): number {
  return snap.get('INBOX')?.length ?? 0;
}

it('the corpus message is large enough to be streamed', () => {
  expect(LARGE.length).toBeGreaterThan(LARGE_BODY_BYTES);
});

it('a streamed message whose APPEND answer was lost is looked up on the target, not appended again', async () => {
  const user = await newMailbox();
  const p = await proxy(target);
  p.arm({ kind: 'appendReplyLost', times: 1 });
  const summary = await syncMailbox(ctx(user, { target: p }));
  expect(p.fired.appendReplyLost).toBe(1);
  expect(summary.error).toBeUndefined();
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
  expect(inboxCount(dst)).toBe(3);
  expect(summary.stats.itemsSynced).toBe(3);
}, 120000);

it('a source FETCH cut while its message streams into the target leaves no partial copy and no gap', async () => {
  const user = await newMailbox();
  const p = await proxy(source);
  // Half-way into the first 1 MB slice: the literal's length and first bytes are on the target.
  p.arm({ kind: 'fetchCut', afterBytes: 500_000, times: 1 });
  const summary = await syncMailbox(ctx(user, { source: p }));
  expect(p.fired.fetchCut).toBe(1);
  expect(summary.error).toBeUndefined();
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
  expect(inboxCount(dst)).toBe(3);
}, 120000);

it('a resend of a streamed message reads it from the source again, byte for byte', async () => {
  const user = await newMailbox();
  const base = ctx(user);
  const reads: number[] = [];
  let refusedOnce = false;
  const open = async (): Promise<MailTarget> => {
    const real = await ImapTarget.open(
      parseEndpoint((base.target as { endpoint: unknown }).endpoint, 'target'),
      {
        email: user,
        password: 'adminpw',
      },
    );
    // The first try of the streamed message is read to its end, then refused as a target that
    // checks a message after receiving it would; the engine tries a refused message once more.
    const append: MailTarget['append'] = async (folder, messages) => {
      const streamed = messages.find((m) => isStreamed(m.content));
      if (!streamed || !isStreamed(streamed.content)) return real.append(folder, messages);
      const body = streamed.content;
      if (!refusedOnce) {
        let bytes = 0;
        for await (const slice of body.read()) bytes += slice.length;
        reads.push(bytes);
        refusedOnce = true;
        return messages.map((): AppendResult => ({ ok: false, reason: 'refused for the test' }));
      }
      // The real target's reads of the body, counted (one per APPEND it sends).
      const counted: StreamedBody = {
        size: body.size,
        get hasNul() {
          return body.hasNul;
        },
        read: () => {
          reads.push(body.size);
          return body.read();
        },
      };
      return real.append(
        folder,
        messages.map((m) => (m === streamed ? { ...m, content: counted } : m)),
      );
    };
    return Object.assign(Object.create(real) as MailTarget, { append });
  };
  const summary = await syncMailbox({ ...base, target: { open } });
  expect(summary.error).toBeUndefined();
  expect(summary.failed).toBe(0);
  // Only the large message came as a stream: read whole by the refused try, then once more by the
  // APPEND that stored it (equal bytes on the target: the second read was complete too).
  expect(reads).toEqual([LARGE.length, LARGE.length]);
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
  expect(inboxCount(dst)).toBe(3);
}, 120000);
