/* eslint-disable @typescript-eslint/no-explicit-any -- CLI JSON output is read loosely; assertions check its shape */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHost, type Host } from '../../local/host';
import { deadPort, mailferry, root } from '../../testing/jest/cli';

/**
 * The commands against a running instance: the real app on the embedded runtime in this process,
 * the CLI as a child process. Endpoints point at a port nobody listens on, so a started batch
 * fails every mailbox quickly and the failure paths (exit 1, errors in the report) are visible.
 */
const KEY = 'cli-test-key';
const PASSWORD = 'Adm1n-Secret!';
let host: Host;
let work: string;
let imapPort: number;

const cli = (args: string[], env: Record<string, string> = {}) =>
  mailferry(['--url', host.url, '--key', KEY, ...args], { env });

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mailferry-cli-'));
  imapPort = await deadPort();
  host = await startHost({
    appRoot: root,
    appModule: path.join(root, 'functions', 'index'),
    port: 0,
    apiKey: KEY,
    settings: { MAILFERRY_DATA_DIR: path.join(work, 'data') },
  });
  for (const name of ['source', 'target']) {
    const added = await cli(
      [
        'endpoint',
        'add',
        name,
        '--host',
        '127.0.0.1',
        '--port',
        String(imapPort),
        '--security',
        'none',
        '--admin-user',
        'admin',
        '--password-env',
        'ADMIN_PW',
      ],
      { ADMIN_PW: PASSWORD },
    );
    expect(added).toMatchObject({ code: 0, stdout: `endpoint ${name} (imap) created\n` });
  }
}, 60000);

afterAll(async () => {
  await host?.stop();
});

test('endpoint list shows the endpoints without their password; remove twice gives a coded error', async () => {
  const added = await mailferry(
    [
      '--url',
      host.url,
      '--key',
      KEY,
      'endpoint',
      'add',
      'spare',
      '--host',
      'imap.example.com',
      '--password-stdin',
      '--json',
    ],
    { input: 'Stdin-Secret-9\n' },
  );
  expect(added.code).toBe(0);
  expect(JSON.parse(added.stdout)).toMatchObject({ name: 'spare', type: 'imap' });

  const listed = await cli(['endpoint', 'list', '--json']);
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout).map((e: any) => e.name)).toEqual(['source', 'spare', 'target']);
  expect(listed.stdout).not.toContain(PASSWORD);
  expect(listed.stdout).not.toContain('Stdin-Secret-9');
  expect(JSON.parse(listed.stdout)[1].secretRef).toMatch(/^secret:/);
  const table = await cli(['endpoint', 'list']);
  expect(table.stdout).toMatch(/^NAME\s+TYPE\s+HOST\s+PORT/);
  expect(table.stdout).toMatch(
    new RegExp(`source\\s+imap\\s+127\\.0\\.0\\.1\\s+${imapPort}\\s+none\\s+admin`),
  );

  expect((await cli(['endpoint', 'remove', 'spare'])).code).toBe(0);
  const again = await cli(['endpoint', 'remove', 'spare']);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('error ENDPOINT_NOT_FOUND: No endpoint named "spare"');
});

test('endpoint update changes the settings given and keeps the rest; nothing to change is bad input', async () => {
  const added = await cli([
    'endpoint',
    'add',
    'movable',
    '--host',
    'imap.example.com',
    '--admin-user',
    'admin',
  ]);
  expect(added.code).toBe(0);
  const updated = await cli([
    'endpoint',
    'update',
    'movable',
    '--port',
    '1993',
    '--max-concurrent',
    '7',
    '--json',
  ]);
  expect(updated.code).toBe(0);
  expect(JSON.parse(updated.stdout)).toMatchObject({
    name: 'movable',
    maxConcurrentMigrations: 7,
    settings: { host: 'imap.example.com', port: 1993, admin: { user: 'admin' } },
  });
  const nothing = await cli(['endpoint', 'update', 'movable']);
  expect(nothing.code).toBe(2);
  expect(nothing.stderr).toContain('NOTHING_TO_UPDATE');
  const unknown = await cli(['endpoint', 'update', 'nosuch', '--port', '2']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('ENDPOINT_NOT_FOUND');
  expect((await cli(['endpoint', 'remove', 'movable'])).code).toBe(0);
});

test('endpoint test on a server that does not answer reports a coded error, not a stack', async () => {
  const tested = await cli(['endpoint', 'test', 'source']);
  expect(tested.code).toBe(2);
  // One answer for whatever is (not) there: the endpoint test is not a port scanner.
  expect(tested.stderr).toMatch(
    /^error ENDPOINT_UNREACHABLE: Could not connect to the IMAP server of endpoint "source"/,
  );
  expect(tested.stderr).not.toMatch(/\n\s+at /);
});

test('batch new refuses a bad CSV with exit 2 and the row problems', async () => {
  const file = path.join(work, 'broken.csv');
  writeFileSync(file, 'EmailAddress,Password\r\nnot-an-address,Xq7zz\r\n');
  const made = await cli(['batch', 'new', file]);
  expect(made.code).toBe(2);
  expect(made.stderr).toContain('error CSV_INVALID:');
  expect(made.stderr).toMatch(/row 2/);
  expect(made.stderr).not.toContain('Xq7zz');
  expect((await cli(['batch', 'remove', 'broken'])).code).toBe(0);
});

test('batch new, list, show, a refused action, start with watch, report, sync, stop and remove', async () => {
  const file = path.join(work, 'wave1.csv');
  writeFileSync(file, 'EmailAddress\r\nalice@example.com\r\nbob@example.com\r\n');
  const made = await cli(['batch', 'new', file, '--json']);
  expect(made.code).toBe(0);
  const id = JSON.parse(made.stdout).batch.id as string;
  expect(JSON.parse(made.stdout)).toMatchObject({
    batch: { name: 'wave1', status: 'Created', totalMailboxes: 2 },
  });

  const listed = await cli(['batch', 'list', '--json']);
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toEqual([
    expect.objectContaining({ id, name: 'wave1', status: 'Created' }),
  ]);
  expect((await cli(['batch', 'list'])).stdout).toMatch(
    new RegExp(`${id}\\s+wave1\\s+Created\\s+2\\s+0\\s+0`),
  );

  const shown = await cli(['batch', 'show', 'wave1', '--json']);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toMatchObject({
    batch: { id },
    allowedActions: expect.arrayContaining(['start']),
  });
  expect((await cli(['batch', 'show', id])).stdout).toMatch(/status:\s+Created/);

  const refused = await cli(['batch', 'complete', id]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('error BATCH_ILLEGAL_TRANSITION:');
  expect(refused.stderr).toMatch(/allowed now: .*start/);

  // Nothing listens on the IMAP port: every mailbox fails, the run still settles.
  const started = await cli(['batch', 'start', id, '--watch', '--json']);
  expect(started.code).toBe(1);
  const final = JSON.parse(started.stdout);
  expect(final.batch.status).toBe('SyncedWithErrors');
  expect(final.mailboxes.map((m: any) => m.status)).toEqual(['Failed', 'Failed']);
  expect(started.stderr).toContain('alice@example.com: Failed');

  const report = await cli(['batch', 'report', id]);
  expect(report.code).toBe(1);
  expect(report.stdout).toMatch(/^MAILBOX\s+STATUS\s+SYNCED/m);
  expect(report.stdout).toMatch(/alice@example\.com\s+Failed\s+0\s+0\s+0 B/);
  expect(report.stdout).toContain('2 mailboxes, 2 failed');
  const watched = await cli(['watch', id]);
  expect(watched.code).toBe(1);
  expect(watched.stdout).toContain('batch wave1: SyncedWithErrors, 2/2 mailboxes done, 2 failed');

  // An incremental pass leaves failed mailboxes failed; stop then parks the batch.
  const synced = await cli(['batch', 'sync', 'wave1', '--watch']);
  expect(synced.code).toBe(1);
  expect(synced.stdout).toContain('batch wave1: SyncedWithErrors, 2/2 mailboxes done, 2 failed');
  const stopped = await cli(['batch', 'stop', id]);
  expect(stopped).toMatchObject({ code: 0, stdout: 'batch wave1: Stopping\n' });
  expect(JSON.parse((await cli(['batch', 'show', id, '--json'])).stdout).batch.status).toBe('Stopped');

  expect((await cli(['batch', 'remove', id])).code).toBe(0);
  const gone = await cli(['batch', 'show', id]);
  expect(gone.code).toBe(2);
  expect(gone.stderr).toContain('error BATCH_NOT_FOUND:');
}, 60000);

test('without a key the 401 message is shown (exit 2); a local url reads .mailferry/api-key', async () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'mailferry-cwd-'));
  const denied = await mailferry(['--url', host.url, 'batch', 'list'], { cwd });
  expect(denied.code).toBe(2);
  expect(denied.stderr).toContain('error UNAUTHORIZED: Send the API key in the x-functions-key header');
  mkdirSync(path.join(cwd, '.mailferry'));
  writeFileSync(path.join(cwd, '.mailferry', 'api-key'), `${KEY}\n`);
  const allowed = await mailferry(['--url', host.url, 'batch', 'list', '--json'], { cwd });
  expect(allowed.code).toBe(0);
});

test('no service on the url: exit 3; bad arguments: exit 2', async () => {
  const down = await mailferry(['--url', `http://127.0.0.1:${await deadPort()}`, 'batch', 'list', '--json']);
  expect(down.code).toBe(3);
  expect(down.stderr).toContain('error SERVICE_UNREACHABLE:');
  expect(down.stdout).toBe('');
  expect((await cli(['batch', 'show'])).code).toBe(2);
  expect((await cli(['batch', 'frobnicate', 'x'])).code).toBe(2);
});
