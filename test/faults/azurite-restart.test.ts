import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite, type RunningAzurite } from '../../local/azurite';
import { syncMailbox, type SyncSummary } from '../../shared/mail';
import { benchCorpus, seedMailbox, snapshotMailbox } from '../../testing/mail/corpus';
import { useMailServers } from './mail-fixture';
import { startSlowRelay, type SlowRelay } from '../../testing/faults/slow-relay';

/**
 * The storage emulator stops and starts again (same data folder, same ports, same key) while two
 * mailboxes are copying: every checkpoint, in-flight mark and index row written before the stop is
 * read back after it, so the copies finish with the whole target equal to the whole source, nothing
 * doubled, nothing missing, and counters equal to what the target holds.
 */
const { source, target, as, ctx } = useMailServers();
const USERS = ['ann@example.test', 'bob@example.test'];
const PER_MAILBOX = 600;

let azurite: RunningAzurite | undefined;
// The target behind a 1 MB/s link: each mailbox copies for seconds, so storage can go away while
// both are under way (on a plain loopback a mailbox of 600 can finish before the first look).
let slowLink: SlowRelay | undefined;
afterAll(async () => {
  await azurite?.stop();
  await slowLink?.stop();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const count = (snap: Map<string, unknown[]>) => [...snap.values()].reduce((n, v) => n + v.length, 0);
const folders = (snap: Map<string, unknown[]>) => [...snap.values()].map((v) => JSON.stringify(v)).sort();

it('Azurite restarted mid-copy: both mailboxes finish exact, counters equal the target', async () => {
  for (const u of USERS) for (const d of [source(), target()]) d.addUser(u, 'pw');
  for (const [i, u] of USERS.entries()) await seedMailbox(as(source, u), benchCorpus(PER_MAILBOX, 11 + i), 4);
  const location = mkdtempSync(path.join(tmpdir(), 'mailferry-azurite-restart-'));
  const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  azurite = await startAzurite({ location, ports });
  const { accountKey, connectionString } = azurite;
  const storage = { connectionString };

  slowLink = await startSlowRelay(target().port, 1_000_000);
  const via = { target: { host: '127.0.0.1', port: slowLink.port } };
  const syncs = USERS.map((u) => syncMailbox(ctx(u, via, { storage, mailboxKey: `restart:${u}` })));
  // Once both are well under way (messages on the target, not all of them), storage goes away.
  const deadline = Date.now() + 120_000;
  const onTarget = async () =>
    Promise.all(USERS.map(async (u) => count(await snapshotMailbox(as(target, u)))));
  while (Date.now() < deadline && (await onTarget()).some((n) => n === 0))
    await new Promise((r) => setTimeout(r, 100));
  await azurite.stop();
  const partial = await onTarget();
  expect(partial.every((n) => n > 0 && n < PER_MAILBOX)).toBe(true);
  await new Promise((r) => setTimeout(r, 2000));
  azurite = await startAzurite({ location, ports, accountKey });

  // A copy that gave up while storage was away is run again, as the orchestrator's retry would.
  const summaries: SyncSummary[] = await Promise.all(syncs);
  for (const [i, u] of USERS.entries()) {
    for (let again = 0; summaries[i]!.error && again < 5; again++)
      summaries[i] = await syncMailbox(ctx(u, via, { storage, mailboxKey: `restart:${u}` }));
    expect({ u, error: summaries[i]!.error }).toEqual({ u, error: undefined });
    const from = await snapshotMailbox(as(source, u));
    const to = await snapshotMailbox(as(target, u));
    expect({ u, folders: folders(to) }).toEqual({ u, folders: folders(from) });
    expect({ u, itemsSynced: summaries[i]!.stats.itemsSynced }).toEqual({ u, itemsSynced: count(to) });
  }
}, 300_000);
