/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { ManualClock } from '../../local/clock';
import { startHost, type Host } from '../../local/host';
import { services } from '../../shared/app/services';
import { startDovecot, type RunningDovecot } from '../../shared/mail/testing/dovecot';

/**
 * The scheduled incremental sync: the timer ticks hourly; a Synced batch whose interval has passed
 * gets an incremental pass that brings what arrived on the source; a batch not yet due is left alone.
 */
const root = path.resolve(__dirname, '..', '..');
const KEY = 'scheduled-sync-key-000001';
const clock = new ManualClock(new Date());
let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;

async function api(method: string, route: string, body?: string | object): Promise<any> {
  const res = await fetch(`${host.url}/api/${route}`, {
    method,
    headers: {
      'x-functions-key': KEY,
      'content-type': typeof body === 'string' ? 'text/csv' : 'application/json',
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function imap(server: RunningDovecot, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    auth: { user: `${user}*admin`, pass: server.admin.password },
    logger: false,
  });
  await client.connect();
  return client;
}

async function settled(id: string): Promise<any> {
  for (let i = 0; i < 300; i++) {
    const { json } = await api('GET', `batches/${id}`);
    if (['Synced', 'SyncedWithErrors'].includes(json.batch.status)) return json.batch;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('batch did not settle');
}

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  for (const s of [source, target]) s.addUser('dana@example.com', 'x');
  host = await startHost({
    appRoot: root,
    appModule: path.join(root, 'functions', 'index'),
    port: 0,
    apiKey: KEY,
    clock,
    settings: { MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-sched-')) },
  });
  for (const [name, s] of [
    ['source', source],
    ['target', target],
  ] as const) {
    await api('POST', 'endpoints', {
      name,
      type: 'imap',
      settings: { host: s.host, port: s.port, security: 'none', admin: { user: 'admin' } },
      password: s.admin.password,
    });
  }
}, 60000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

test('the hourly tick starts an incremental pass for a batch whose interval has passed, and only then', async () => {
  const created = await api(
    'POST',
    'batches?name=sched&autoStart=true&incrementalSyncIntervalHours=24',
    'EmailAddress\r\ndana@example.com\r\n',
  );
  expect(created.status).toBe(201);
  const id = created.json.batch.id;
  await settled(id);

  const c = await imap(source, 'dana@example.com');
  await c.append('INBOX', 'Subject: arrived later\r\nMessage-ID: <late@x>\r\n\r\nlater\r\n');
  await c.logout();

  // Not due: the batch synced moments ago.
  clock.advance(60 * 60_000);
  await new Promise((r) => setTimeout(r, 300));
  expect((await api('GET', `batches/${id}`)).json.batch.status).toBe('Synced');

  // Due: its last sync was over 24 hours ago.
  const longAgo = new Date(Date.now() - 25 * 3_600_000).toISOString();
  await services().state.batches.update(id, () => ({ lastSyncedAt: longAgo }));
  clock.advance(60 * 60_000);
  let batch: any;
  for (let i = 0; i < 100; i++) {
    batch = (await api('GET', `batches/${id}`)).json.batch;
    if (batch.lastSyncedAt !== longAgo && ['Synced', 'SyncedWithErrors'].includes(batch.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(batch.status).toBe('Synced');
  expect(batch.counts.IncrementalSynced).toBe(1);
  const onTarget = await imap(target, 'dana@example.com');
  const status = await onTarget.status('INBOX', { messages: true });
  await onTarget.logout();
  expect(status && status.messages).toBe(1);
}, 120000);
