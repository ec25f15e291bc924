import { seedMailbox, testCorpus } from '../../testing/mail/corpus';
import { startFaultProxy, type FaultProxy } from '../../testing/faults/imap-proxy';
import { MailState, copyChunk, planMailbox, syncMailbox } from '../../shared/mail';
import { useMailServers } from './mail-fixture';

/**
 * Real Dovecots with a fault proxy in between: a lost APPEND reply, a FETCH cut in the middle of a
 * message, a FETCH that stalls, a reset mid-stream. After each, the whole target equals the whole
 * source (nothing doubled, nothing missing) and the mailbox finished instead of failing.
 */
const servers = useMailServers();
const { source, target, storage, as, ctx, compare } = servers;

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

// Users exist before the first login (Dovecot re-reads its passwd-file by modification time).
const USERS = 8;
beforeAll(() => {
  for (let i = 1; i <= USERS; i++)
    for (const d of [source(), target()]) d.addUser(`user${i}@example.test`, 'pw');
});
let n = 0;
async function newMailbox(): Promise<string> {
  const user = `user${++n}@example.test`;
  await seedMailbox(as(source, user), testCorpus());
  return user;
}

it('an APPEND stored by the server whose OK never arrived is not appended again', async () => {
  const user = await newMailbox();
  const p = await proxy(target);
  p.arm({ kind: 'appendReplyLost', times: 2 });
  const summary = await syncMailbox(ctx(user, { target: p }));
  expect(p.fired.appendReplyLost).toBe(2);
  expect(summary.error).toBeUndefined();
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
  // The engine's counters say what the target holds.
  const total = [...src.values()].reduce((k, v) => k + v.length, 0);
  expect(summary.stats.itemsSynced).toBe(total);
}, 90000);

it('a FETCH cut in the middle of a message loses nothing', async () => {
  const user = await newMailbox();
  const p = await proxy(source);
  p.arm({ kind: 'fetchCut', afterBytes: 3000, times: 2 });
  const summary = await syncMailbox(ctx(user, { source: p }));
  expect(p.fired.fetchCut).toBe(2);
  expect(summary.error).toBeUndefined();
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
}, 90000);

it('a FETCH that stalls and then drops loses nothing', async () => {
  const user = await newMailbox();
  const p = await proxy(source);
  p.arm({ kind: 'fetchStall', afterBytes: 1500, stallMs: 1500 });
  const summary = await syncMailbox(ctx(user, { source: p }));
  expect(p.fired.fetchStall).toBe(1);
  expect(summary.error).toBeUndefined();
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
}, 90000);

it('a connection reset mid-stream on either side loses and doubles nothing', async () => {
  const user = await newMailbox();
  const ps = await proxy(source);
  const pt = await proxy(target);
  ps.arm({ kind: 'reset', afterBytes: 6000 });
  pt.arm({ kind: 'reset', afterBytes: 1500 });
  const summary = await syncMailbox(ctx(user, { source: ps, target: pt }));
  expect(ps.fired.reset + pt.fired.reset).toBe(2);
  expect(summary.error).toBeUndefined();
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
}, 90000);

it('two calls copying the same folder at once do not undo each other or append twice', async () => {
  const user = await newMailbox();
  const plan = await planMailbox(ctx(user));
  const inbox = plan.folders.find((f) => f.source === 'INBOX')!;
  const both = await Promise.allSettled([copyChunk(ctx(user), inbox), copyChunk(ctx(user), inbox)]);
  // At most one lost the race, and it says so with a transient, coded error.
  for (const r of both)
    if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('MAIL_STATE_CONFLICT');
  expect(both.some((r) => r.status === 'fulfilled')).toBe(true);
  const summary = await syncMailbox(ctx(user));
  expect(summary.error).toBeUndefined();
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
  const total = [...src.values()].reduce((k, v) => k + v.length, 0);
  expect(summary.stats.itemsSynced).toBe(total);
}, 90000);

it('the plan lives in the folder rows: queued when planned, off the plan when in sync', async () => {
  const user = await newMailbox();
  const rows = async () =>
    [
      ...(
        await new MailState({ connectionString: storage().connectionString }, `faults:${user}`).listFolders()
      ).values(),
    ]
      .filter((f) => f.queued)
      .map((f) => f.source)
      .sort();
  const plan = await planMailbox(ctx(user));
  const todo = plan.folders.filter((f) => f.selectable && !f.upToDate).map((f) => f.source);
  expect(todo.length).toBeGreaterThan(5);
  expect(await rows()).toEqual([...todo].sort());
  await syncMailbox(ctx(user));
  expect(await rows()).toEqual([]);
}, 90000);
