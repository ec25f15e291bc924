import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { leaseWait, newOwner } from '../../shared/mail/lease';
import { FOLDER_LEASE_MS, PROCESS_ALIVE_MS } from '../../shared/mail/limits';
import { MailState, type FolderState } from '../../shared/mail/state';
import { useAzurite } from '../../testing/jest/azurite';
import { root } from '../../testing/jest/cli';

/**
 * A folder's lease held by a process that was killed with SIGKILL is free once that process's
 * heartbeat has run out (PROCESS_ALIVE_MS), not after the whole FOLDER_LEASE_MS; a lease held by a
 * live process in another OS process stays held. The holder is a real second node process running
 * the built engine (dist/): `npm run build` first.
 */
const storage = useAzurite();
const MAILBOX = 'lease-test:kim@example.com';
const holders: ChildProcess[] = [];
afterAll(() => {
  for (const child of holders) if (child.exitCode === null) child.kill('SIGKILL');
});
const FOLDER = 'INBOX';

/** A node process that takes the folder's lease with the engine's own calls and then just lives. */
function startHolder(): { child: ChildProcess; held: Promise<void> } {
  const dist = (p: string) => JSON.stringify(path.join(root, 'dist', 'shared', 'mail', p));
  const script = `
    const { MailState } = require(${dist('state.js')});
    const { leaseWait, newOwner, takeLease } = require(${dist('lease.js')});
    (async () => {
      const storage = { connectionString: process.env.CONN };
      const state = new MailState(storage, ${JSON.stringify(MAILBOX)});
      await state.ready();
      const row = await state.getFolder(${JSON.stringify(FOLDER)});
      const owner = newOwner();
      if ((await leaseWait(storage, row, owner)) > 0) throw new Error('lease taken');
      await takeLease(state, row, owner);
      console.log('held');
      setInterval(() => {}, 1000);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, CONN: storage().connectionString },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  holders.push(child);
  const held = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => l === 'held' && resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return { child, held };
}

async function folderRow(state: MailState): Promise<FolderState> {
  const row = await state.getFolder(FOLDER);
  if (!row) throw new Error('no folder row');
  return row;
}

test('a live holder in another process keeps the lease; killed with -9, it is free within PROCESS_ALIVE_MS', async () => {
  const conn = { connectionString: storage().connectionString };
  const state = new MailState(conn, MAILBOX);
  await state.ready();
  await state.putFolder(blankFolder());

  const { child, held } = startHolder();
  await held;
  const me = newOwner();
  // Live: held for (nearly) the whole lease, again and again while the holder lives.
  const firstWait = await leaseWait(conn, await folderRow(state), me);
  expect(firstWait).toBeGreaterThan(PROCESS_ALIVE_MS / 2);
  await new Promise((r) => setTimeout(r, PROCESS_ALIVE_MS + 3000));
  expect(await leaseWait(conn, await folderRow(state), me)).toBeGreaterThan(0);

  const killedAt = Date.now();
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  let waited = 0;
  while ((await leaseWait(conn, await folderRow(state), me)) > 0) {
    waited = Date.now() - killedAt;
    expect(waited).toBeLessThan(PROCESS_ALIVE_MS + 5000);
    await new Promise((r) => setTimeout(r, 500));
  }
  // Free long before the lease itself would have run out.
  expect(Date.now() - killedAt).toBeLessThan(FOLDER_LEASE_MS / 2);
}, 90_000);

test('a lease of another call in this same process, or one written without a process, waits out its time', async () => {
  const conn = { connectionString: storage().connectionString };
  const until = Date.now() + 60_000;
  const sameProcess = { ...blankFolder(), lease: `${newOwner()}|${until}` };
  expect(await leaseWait(conn, sameProcess, newOwner())).toBeGreaterThan(55_000);
  const oldFormat = { ...blankFolder(), lease: `3f1c2a9e-0000-4000-8000-000000000000|${until}` };
  expect(await leaseWait(conn, oldFormat, newOwner())).toBeGreaterThan(55_000);
  // A process that never beat on this storage account (no heartbeat row) holds nothing.
  const ghost = { ...blankFolder(), lease: `9b2d7c4e-0000-4000-8000-000000000000.call|${until}` };
  expect(await leaseWait(conn, ghost, newOwner())).toBe(0);
});

function blankFolder(): FolderState {
  return {
    fid: 'f1',
    source: FOLDER,
    target: FOLDER,
    uidValidity: '1',
    lastUid: 0,
    inflight: 0,
    modseq: '',
    uidNext: 0,
    messages: 0,
    initialDone: false,
    itemsSynced: 0,
    bytesSynced: 0,
    itemsSkipped: 0,
    bytesSkipped: 0,
    itemsFailed: 0,
    rebaseFrom: '',
    lastSyncAt: '',
    lease: '',
    queued: false,
    filterKey: '',
    rescanUid: 0,
    rescanEnd: 0,
    rescanInflight: 0,
    sourceBytes: 0,
    indexLayout: 0,
  };
}
