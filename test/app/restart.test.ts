/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { imapAs } from '../../testing/jest/app';

/**
 * Restart safety: `mailferry serve` is killed with SIGKILL in the middle of a batch and started
 * again on the same data folder; the batch finishes and every mailbox holds exactly its source's
 * messages on the target (nothing lost, nothing copied twice).
 */
const root = path.resolve(__dirname, '..', '..');
const KEY = 'restart-test-api-key-0001';
const MAILBOXES = 30;
const MESSAGES = 6;
let source: RunningDovecot;
let target: RunningDovecot;
let child: ChildProcess | undefined;

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

function serve(dataDir: string, port: number): ChildProcess {
  const proc = spawn(
    process.execPath,
    [path.join(root, 'dist', 'cli', 'main.js'), 'serve', '--data', dataDir, '--port', String(port)],
    {
      env: { ...process.env, MAILFERRY_API_KEY: KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  proc.stdout?.resume();
  proc.stderr?.resume();
  return proc;
}

async function api(
  port: number,
  method: string,
  route: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/${route}`, {
        method,
        headers: { 'x-functions-key': KEY, 'content-type': contentType },
        body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    } catch (e) {
      if (attempt > 100) throw e; // the server is still starting
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  // All users first: Dovecot re-reads its passwd-file when it changes, at most once a second.
  for (let i = 0; i < MAILBOXES; i++) {
    source.addUser(`user${i}@example.com`, 'x');
    target.addUser(`user${i}@example.com`, 'x');
  }
  await new Promise((r) => setTimeout(r, 1100));
  for (let i = 0; i < MAILBOXES; i++) {
    const user = `user${i}@example.com`;
    const c = await imapAs(source, user);
    for (let m = 0; m < MESSAGES; m++)
      await c.append('INBOX', `Subject: m${m}\r\nMessage-ID: <${i}.${m}@x>\r\n\r\n${'x'.repeat(2000)}\r\n`);
    await c.logout();
  }
}, 120000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await Promise.all([source?.stop(), target?.stop()]);
});

test('kill -9 mid-batch, restart on the same data folder: the batch completes, every message exactly once', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailferry-restart-'));
  const port = await freePort();
  child = serve(dataDir, port);
  for (const [name, server] of [
    ['source', source],
    ['target', target],
  ] as const) {
    const r = await api(port, 'POST', 'endpoints', {
      name,
      type: 'imap',
      settings: {
        host: server.host,
        port: server.port,
        security: 'none',
        admin: { user: server.admin.user },
      },
      password: server.admin.password,
      maxConcurrentMigrations: 4,
    });
    expect(r.status).toBe(201);
  }
  const csv = ['EmailAddress', ...Array.from({ length: MAILBOXES }, (_, i) => `user${i}@example.com`)].join(
    '\r\n',
  );
  const created = await api(port, 'POST', 'batches?name=restart&autoStart=true', csv, 'text/csv');
  expect(created.status).toBe(201);
  const id = created.json.batch.id as string;

  // Wait until some mailboxes are done but not all, then kill the host outright.
  for (;;) {
    const { json } = await api(port, 'GET', `batches/${id}`);
    if (json.batch.counts.Synced >= 3) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await new Promise((r) => child?.once('exit', r));
  // Azurite, a child of the killed host, flushes its data and exits on its own; give it a moment.
  await new Promise((r) => setTimeout(r, 2500));

  child = serve(dataDir, port);
  let batch: any;
  for (let i = 0; i < 600; i++) {
    const answer = await api(port, 'GET', `batches/${id}`);
    expect(answer.status).toBe(200);
    batch = answer.json.batch;
    if (batch.status === 'Synced' || batch.status === 'SyncedWithErrors') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(batch.status).toBe('Synced');
  expect(batch.counts.Synced).toBe(MAILBOXES);

  for (let i = 0; i < MAILBOXES; i++) {
    const c = await imapAs(target, `user${i}@example.com`);
    const status = await c.status('INBOX', { messages: true });
    await c.logout();
    expect({ user: i, messages: status && status.messages }).toEqual({ user: i, messages: MESSAGES });
  }
  child.kill('SIGTERM');
}, 240000);
