/* eslint-disable @typescript-eslint/no-explicit-any -- the JSON report is read loosely; assertions check its shape */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { imapAs } from '../../testing/jest/app';
import { mailferry } from '../../testing/jest/cli';

/**
 * `mailferry run`: one batch through the embedded runtime inside the CLI process, between two real
 * Dovecot servers (admin proxy logins `user*admin`). The CLI runs as a child process from dist/.
 */
let source: RunningDovecot;
let target: RunningDovecot;
let work: string;
let config: string;

const imap = imapAs;

async function inboxCount(server: RunningDovecot, user: string): Promise<number> {
  const client = await imap(server, user);
  const status = await client.status('INBOX', { messages: true });
  await client.logout();
  return status ? (status.messages ?? -1) : -1;
}

function file(name: string, content: string): string {
  const p = path.join(work, name);
  writeFileSync(p, content);
  return p;
}

const side = (server: RunningDovecot, password: unknown) => ({
  type: 'imap',
  host: server.host,
  port: server.port,
  security: 'none',
  admin: { user: server.admin.user, password, loginFormat: '{user}*{admin}' },
});

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mailferry-run-test-'));
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  for (const user of ['alice@example.com', 'bob@example.com', 'carol@example.com']) source.addUser(user, 'x');
  for (const user of ['alice@example.com', 'bob@example.com']) target.addUser(user, 'x');
  for (const [user, count] of [
    ['alice@example.com', 3],
    ['bob@example.com', 2],
  ] as const) {
    const client = await imap(source, user);
    for (let i = 1; i <= count; i++)
      await client.append('INBOX', `From: a@example.org\r\nSubject: ${user} ${i}\r\n\r\nbody ${i}\r\n`, [
        '\\Seen',
      ]);
    await client.logout();
  }
  {
    // Over the target's limit set below (0.004 MB): skipped and listed, never dropped silently.
    const client = await imap(source, 'bob@example.com');
    await client.append('INBOX', `From: a@example.org\r\nSubject: big one\r\n\r\n${'x'.repeat(8000)}\r\n`);
    await client.logout();
  }
  config = file(
    'config.json',
    JSON.stringify({
      source: side(source, { env: 'SOURCE_ADMIN_PW' }),
      target: { ...side(target, target.admin.password), maxMessageSizeMB: 0.004 },
      maxConcurrentMigrations: 2,
    }),
  );
}, 60000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

const env = () => ({ SOURCE_ADMIN_PW: source.admin.password });

test('a run copies every mailbox (exit 0, JSON report); a rerun is an incremental sync that copies nothing new', async () => {
  const csv = file('wave1.csv', 'EmailAddress\r\nalice@example.com\r\nbob@example.com\r\n');
  const data = path.join(work, 'data');
  const first = await mailferry(['run', '--config', config, '--csv', csv, '--data', data, '--json'], {
    env: env(),
  });
  expect(first.stderr).not.toMatch(/^error /m);
  expect(first.code).toBe(0);
  const report = JSON.parse(first.stdout);
  expect(report).toMatchObject({ batch: 'wave1', status: 'Synced' });
  expect(report.mailboxes).toEqual([
    expect.objectContaining({
      emailAddress: 'alice@example.com',
      status: 'Synced',
      itemsSynced: 3,
      itemsSkipped: 0,
      error: null,
    }),
    expect.objectContaining({
      emailAddress: 'bob@example.com',
      status: 'Synced',
      itemsSynced: 2,
      itemsSkipped: 1,
      error: null,
    }),
  ]);
  expect(report.mailboxes[0].bytesSynced).toBeGreaterThan(0);
  expect(await inboxCount(target, 'alice@example.com')).toBe(3);
  expect(first.stderr).toContain('alice@example.com: Synced (3 items');
  expect(first.stdout).not.toContain(source.admin.password);

  const again = await mailferry(['run', '--config', config, '--csv', csv, '--data', data, '--json'], {
    env: env(),
  });
  expect(again.code).toBe(0);
  expect(again.stderr).toContain('incremental sync');
  const second = JSON.parse(again.stdout);
  expect(second.batchId).toBe(report.batchId);
  expect(second.mailboxes.map((m: any) => [m.status, m.itemsSynced])).toEqual([
    ['IncrementalSynced', 3],
    ['IncrementalSynced', 2],
  ]);
  expect(await inboxCount(target, 'alice@example.com')).toBe(3);
  expect(await inboxCount(target, 'bob@example.com')).toBe(2);
}, 120000);

test('a mailbox missing on the target fails the run with exit 1 (error and skipped items reported); a rerun retries it', async () => {
  const csv = file('wave2.csv', 'EmailAddress\r\nbob@example.com\r\ncarol@example.com\r\n');
  const data = path.join(work, 'data2');
  const run = await mailferry(['run', '--config', config, '--csv', csv, '--data', data], { env: env() });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^batch wave2 \(\w+\): SyncedWithErrors$/m);
  expect(run.stdout).toMatch(/^bob@example\.com\s+Synced\s+2\s+1\s/m);
  expect(run.stdout).toMatch(/^carol@example\.com\s+Failed\s+0\s+0\s.*carol@example\.com/m);
  expect(run.stdout).toContain('2 mailboxes, 1 failed');
  expect(run.stdout).toMatch(/skipped items \(1\):\n.*\nbob@example\.com\s+INBOX\s.*tooLarge\s+big one\s+\S/);

  // Once the mailbox exists on the target, a rerun retries it and then syncs everything.
  target.addUser('carol@example.com', 'x');
  const rerun = await mailferry(['run', '--config', config, '--csv', csv, '--data', data, '--json'], {
    env: env(),
  });
  expect(rerun.stderr).toContain('retrying 1 failed mailbox(es)');
  expect(rerun.code).toBe(0);
  expect(JSON.parse(rerun.stdout).mailboxes.map((m: any) => [m.emailAddress, m.status])).toEqual([
    ['bob@example.com', 'IncrementalSynced'],
    ['carol@example.com', 'IncrementalSynced'],
  ]);
}, 120000);

test('a bad config or CSV is refused before anything starts (exit 2), naming the field or row', async () => {
  const csv = file('wave3.csv', 'EmailAddress\r\nalice@example.com\r\n');
  const badPort = file(
    'bad-port.json',
    JSON.stringify({ source: { ...side(source, 'pw'), port: 'imap' }, target: side(target, 'pw') }),
  );
  const wrong = await mailferry(['run', '--config', badPort, '--csv', csv]);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/^error CONFIG_INVALID: .*source\.port: /);

  const noEnv = await mailferry(['run', '--config', config, '--csv', csv]);
  expect(noEnv.code).toBe(2);
  expect(noEnv.stderr).toContain(
    'source.admin.password.env: the environment variable SOURCE_ADMIN_PW is not set',
  );

  const badCsv = file('wave4.csv', 'EmailAddress,Password\r\nnot-an-address,Xq7zz\r\n');
  const refused = await mailferry(['run', '--config', config, '--csv', badCsv], { env: env() });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/^error CSV_INVALID: /);
  expect(refused.stderr).toMatch(/row 2, column EmailAddress: CSV_INVALID_EMAIL/);
  expect(refused.stderr).not.toContain('Xq7zz');

  const typo = file(
    'typo.json',
    JSON.stringify({ source: side(source, 'pw'), target: side(target, 'pw'), maxConcurent: 3 }),
  );
  const unknown = await mailferry(['run', '--config', typo, '--csv', csv]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('maxConcurent');
});
