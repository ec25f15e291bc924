import { SOURCE_SPECIAL_USE, TARGET_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { useAzurite } from '../../testing/jest/azurite';
import { EXCHANGE_ONLINE_CAPABILITIES } from '../../testing/mail/dovecot-oauth';
import { startFaultProxy, type FaultProxy } from '../../testing/faults/imap-proxy';
import {
  CORPUS_FOLDER_MAP,
  plainMessage,
  seedMailbox,
  snapshotMailbox,
  testCorpus,
  type CorpusMessage,
  type SnapshotItem,
} from '../../testing/mail/corpus';
import { syncMailbox, type MailContext } from '../../shared/mail';

/**
 * The no-duplicate protocol with pipelined appends: the fault proxy cuts the target connection
 * while many APPENDs are on the wire (some answered, some stored but unanswered, some not yet
 * read by the server). Answered ones are results, the rest are looked up, never blindly re-sent:
 * after the run (and a rerun when the run reported the cut) the target holds every source message
 * exactly once. Targets: Exchange Online's capabilities (single APPENDs pipelined) and Dovecot's
 * own (MULTIAPPEND in one write).
 */
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const exchangeLike = useDovecot({
  specialUse: TARGET_SPECIAL_USE,
  extraConfig: [`imap_capability = ${EXCHANGE_ONLINE_CAPABILITIES}`],
});
const full = useDovecot({ specialUse: TARGET_SPECIAL_USE });
const storage = useAzurite();

type Hop = { host: string; port: number };
const USERS = 6;
beforeAll(() => {
  for (let i = 1; i <= USERS; i++)
    for (const d of [source(), exchangeLike(), full()]) d.addUser(`f${i}@example.test`, 'pw');
});

let proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  proxies = [];
});
async function proxy(to: Hop): Promise<FaultProxy> {
  const p = await startFaultProxy({ upstreamHost: to.host, upstreamPort: to.port, lifetimeMs: 120_000 });
  proxies.push(p);
  return p;
}

/** The corpus plus 80 INBOX messages of 5–60 KB: long pipelines of messages over 4 KB. */
function corpus(): CorpusMessage[] {
  const extra = Array.from({ length: 80 }, (_, i) => ({
    folder: 'INBOX',
    content: plainMessage({
      subject: `pipeline ${i}`,
      bodyBytes: 5000 + ((i * 7919) % 55000),
      seed: 500 + i,
    }),
    flags: i % 3 ? ['\\Seen'] : [],
    internalDate: new Date(Date.UTC(2021, 5, 1) + i * 60_000),
  }));
  return [...testCorpus(), ...extra];
}

let n = 0;
async function newMailbox(): Promise<string> {
  const user = `f${++n}@example.test`;
  await seedMailbox({ ...hop(source), user, password: 'pw' }, corpus());
  return user;
}
const hop = (d: () => Hop): Hop => ({ host: d().host, port: d().port });

function ctx(user: string, target: Hop): MailContext {
  const endpoint = (h: Hop) => ({
    host: h.host,
    port: h.port,
    security: 'none' as const,
    admin: { user: 'admin', loginFormat: '{user}*{admin}' },
  });
  return {
    mailboxKey: `append-faults:${user}`,
    source: { endpoint: endpoint(hop(source)), login: { email: user, password: 'adminpw' } },
    target: { endpoint: endpoint(target), login: { email: user, password: 'adminpw' } },
    storage: { connectionString: storage().connectionString },
  };
}

/** Source folders and what the target holds for each, ready for toEqual (a duplicate or gap shows). */
async function compare(user: string, target: () => Hop) {
  const src = await snapshotMailbox({ ...hop(source), user, password: 'pw' });
  const dst = await snapshotMailbox({ ...hop(target), user, password: 'pw' });
  const onSource = new Map<string, SnapshotItem[]>();
  const onTarget = new Map<string, SnapshotItem[]>();
  for (const [s, t] of Object.entries(CORPUS_FOLDER_MAP)) {
    onSource.set(s, src.get(s) ?? []);
    onTarget.set(s, dst.get(t) ?? []);
  }
  return { src: onSource, dst: onTarget };
}

/** A run, and a rerun if the run ended on the fault: what a user (or the orchestrator) does. */
async function runToEnd(c: MailContext): Promise<void> {
  const first = await syncMailbox(c);
  if (first.error) {
    const again = await syncMailbox(c);
    expect(again.error).toBeUndefined();
  }
}

describe.each([
  ['pipelined single APPENDs (Exchange Online capabilities)', exchangeLike],
  ['MULTIAPPEND with LITERAL+', full],
])('%s', (_how, target) => {
  it('APPEND answers lost mid-pipeline: nothing doubled, nothing missing', async () => {
    const user = await newMailbox();
    const p = await proxy(hop(target));
    p.arm({ kind: 'appendReplyLost', times: 3 });
    await runToEnd(ctx(user, p));
    expect(p.fired.appendReplyLost).toBe(3);
    const { src, dst } = await compare(user, target);
    expect(dst).toEqual(src);
  }, 90000);
});

it('pipelined single APPENDs: a connection reset while appends stream doubles and loses nothing', async () => {
  const user = await newMailbox();
  const p = await proxy(hop(exchangeLike));
  // The proxy counts what the server sends on one connection: about 45 answered appends, then RST
  // while the next ones are on the wire.
  p.arm({ kind: 'reset', afterBytes: 3000, times: 2 });
  await runToEnd(ctx(user, p));
  expect(p.fired.reset).toBe(2);
  const { src, dst } = await compare(user, exchangeLike);
  expect(dst).toEqual(src);
}, 90000);
