/* eslint-disable @typescript-eslint/no-explicit-any -- the JSON report is read loosely; assertions check its shape */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanEnv, mailferry, root } from '../../testing/jest/cli';
import { benchCorpus, seedMailbox, snapshotMailbox } from '../../testing/mail/corpus';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';

/**
 * `mailferry run` killed with SIGKILL in the middle of copying (chunks in flight, index rows and
 * checkpoints half written), then run again with the same --data: the batch completes, the target
 * holds exactly the source, and each mailbox's itemsSynced is what its target holds (not what the
 * calls that happened to report back added up to). The killed calls' folder leases are free as soon
 * as the killed process's heartbeat runs out (PROCESS_ALIVE_MS), not after FOLDER_LEASE_MS.
 */
let source: RunningDovecot;
let target: RunningDovecot;
let work: string;
const USERS = ['kim@example.com', 'lou@example.com'];
const PER_MAILBOX = 1000;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mailferry-kill-'));
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  for (const u of USERS) for (const d of [source, target]) d.addUser(u, 'x');
  for (const [i, u] of USERS.entries())
    await seedMailbox(
      { host: source.host, port: source.port, user: u, password: 'x' },
      benchCorpus(PER_MAILBOX, 7 + i),
      4,
    );
}, 120000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

const as = (d: RunningDovecot, user: string) => ({ host: d.host, port: d.port, user, password: 'x' });
const count = (snap: Map<string, unknown[]>) => [...snap.values()].reduce((n, v) => n + v.length, 0);

function targetInbox(user: string): number {
  const out = target.doveadm('mailbox', 'status', '-u', user, 'messages', 'INBOX');
  return Number(/messages=(\d+)/.exec(out)?.[1] ?? 0);
}

test('killed mid-copy and run again: Synced, exact, and itemsSynced equals what the target holds', async () => {
  const side = (d: RunningDovecot) => ({
    type: 'imap',
    host: d.host,
    port: d.port,
    security: 'none',
    admin: { user: d.admin.user, password: d.admin.password, loginFormat: '{user}*{admin}' },
  });
  const config = path.join(work, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({ source: side(source), target: side(target), maxConcurrentMigrations: 2 }),
  );
  const csv = path.join(work, 'wave.csv');
  writeFileSync(csv, `EmailAddress\r\n${USERS.join('\r\n')}\r\n`);
  const args = ['run', '--config', config, '--csv', csv, '--data', path.join(work, 'data'), '--json'];

  const child = spawn(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...args], {
    env: cleanEnv(),
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Kill once copying is well under way but not done.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && USERS.every((u) => targetInbox(u) === 0))
    await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await exited;
  const partial = USERS.map(targetInbox);
  expect(partial.some((n) => n > 0)).toBe(true);
  // Killed before the end: the first run had not copied everything.
  expect(partial.every((n) => n < PER_MAILBOX / 2)).toBe(true);

  const again = await mailferry(args, { timeoutMs: 240_000 });
  expect(again.stderr).not.toMatch(/^error /m);
  const report = JSON.parse(again.stdout);
  // Done (the resumed run may finish as the initial run or as an incremental one), with no error.
  expect(report.mailboxes.map((m: any) => [m.emailAddress, /Synced$/.test(m.status), m.error])).toEqual(
    USERS.map((u) => [u, true, null]),
  );
  expect(again.code).toBe(0);
  for (const u of USERS) {
    const from = await snapshotMailbox(as(source, u));
    const to = await snapshotMailbox(as(target, u));
    // Folder by folder (target names differ by role: Sent Items, Archive), message by message.
    const folders = (snap: Map<string, unknown[]>) => [...snap.values()].map((v) => JSON.stringify(v)).sort();
    expect({ u, folders: folders(to) }).toEqual({ u, folders: folders(from) });
    expect({ u, itemsSynced: report.mailboxes.find((m: any) => m.emailAddress === u).itemsSynced }).toEqual({
      u,
      itemsSynced: count(to),
    });
  }
}, 400_000);
