import { GraphMailTarget, ITEM_KEY_PROPERTY } from '../../shared/graph';
import { BudgetRegistry } from '../../shared/graph/budget';
import { syncMailbox, type MailContext } from '../../shared/mail';
import { seedMailbox, testCorpus } from '../../testing/mail/corpus';
import { normalisePropertyId } from '../../testing/graph-standin';
import { startHttpFaultProxy, type HttpFault } from '../../testing/faults/http-proxy';
import { useAzurite } from '../../testing/jest/azurite';
import { SOURCE_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { clientFor, useStandin } from '../../testing/jest/graph';

/**
 * Dovecot → the engine → GraphMailTarget → a fault proxy → the Graph stand-in. The proxy lets
 * message creates reach the stand-in (they are stored) and then answers 503/504, for a direct
 * POST, a whole $batch or one $batch sub-request; or the stand-in throttles with a 429 storm.
 * After each, every source message is in the Graph mailbox exactly once (one message per engine
 * key, as many as the source holds) and the engine's counters say so.
 */
const users = ['a', 'b', 'c', 'd', 'e'].map((x, i) => ({
  email: `${x}@example.test`,
  id: `e0e0e0e0-0000-4000-8000-00000000000${i}`,
}));
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const storage = useAzurite();
const standin = useStandin({ users: users.map((u) => ({ userPrincipalName: u.email, id: u.id })) });
// One message of ~400 KB: too big for $batch, created by a direct POST.
const corpus = testCorpus({ largeBytes: 400_000 });

beforeAll(async () => {
  for (const u of users) source().addUser(u.email, 'pw');
  for (const u of users) {
    await seedMailbox({ host: source().host, port: source().port, user: u.email, password: 'pw' }, corpus);
  }
}, 60000);

// One budget registry for every client, as the app keeps one per process: a Retry-After one
// connection received holds back every request to that mailbox.
const budgets = new BudgetRegistry();

function ctx(user: (typeof users)[number], baseUrl: string, maxRetries?: number): MailContext {
  return {
    mailboxKey: `graphfaults:${user.email}`,
    source: {
      endpoint: {
        host: source().host,
        port: source().port,
        security: 'none',
        admin: { user: 'admin', loginFormat: '{user}*{admin}' },
      },
      login: { email: user.email, password: 'adminpw' },
    },
    target: {
      open: async () =>
        new GraphMailTarget(
          clientFor(standin(), { baseUrl, budgets, ...(maxRetries ? { maxRetries } : {}) }),
          {
            userId: user.id,
          },
        ),
    },
    storage: { connectionString: storage().connectionString },
  };
}

function keysOf(userId: string): string[] {
  const box = standin().state.mailboxes.get(userId);
  return [...(box?.messages.values() ?? [])].map((m) =>
    String(m.extended.get(normalisePropertyId(ITEM_KEY_PROPERTY))?.value ?? 'no key'),
  );
}

async function expectExactlyOnce(user: (typeof users)[number], faults: HttpFault[]): Promise<void> {
  const proxy = await startHttpFaultProxy(standin().url, 120_000);
  try {
    for (const f of faults) proxy.arm(f);
    const summary = await syncMailbox(ctx(user, proxy.url));
    for (const f of faults) expect(proxy.fired[f.kind]).toBe(f.times ?? 1);
    expect(summary.error).toBeUndefined();
    const keys = keysOf(user.id);
    expect(keys).toHaveLength(corpus.length);
    expect(new Set(keys).size).toBe(corpus.length);
    expect(summary.stats.itemsSynced).toBe(corpus.length);
  } finally {
    await proxy.stop();
  }
}

it('a $batch sub-request answered 503 after its message was created creates nothing twice', async () => {
  await expectExactlyOnce(users[0]!, [{ kind: 'batchItemAnswered', status: 503, times: 2 }]);
}, 90000);

it('a whole $batch answered 504 after it ran creates nothing twice', async () => {
  await expectExactlyOnce(users[1]!, [{ kind: 'batchAnswered', status: 504 }]);
}, 90000);

it('a direct message POST answered 503 after it was stored creates nothing twice', async () => {
  await expectExactlyOnce(users[2]!, [{ kind: 'createAnswered', status: 503 }]);
}, 90000);

it('a 429 storm longer than the client waits out loses and doubles nothing', async () => {
  // From the first stored message on; the client gives up after 2 retries, so the rest of the
  // storm reaches the engine, which waits and tries again. (Straight to the stand-in: no proxy hop
  // between its Retry-After and the client.)
  let started = false;
  const afterAppend = () => {
    if (started) return;
    started = true;
    standin().storm({ count: 30, retryAfterSeconds: 1 });
  };
  const summary = await syncMailbox({ ...ctx(users[3]!, standin().url, 2), hooks: { afterAppend } });
  expect(started).toBe(true);
  expect(summary.error).toBeUndefined();
  const keys = keysOf(users[3]!.id);
  expect(new Set(keys).size).toBe(corpus.length);
  expect(keys).toHaveLength(corpus.length);
  expect(summary.failed).toBe(0);
  expect(summary.stats.itemsSynced).toBe(corpus.length);
  expect(standin().state.throttle.throttled).toBeGreaterThanOrEqual(30);
}, 90000);
