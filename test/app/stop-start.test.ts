/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startHost, type Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../shared/mail/testing/dovecot';

/** Stop drains a running batch (no new mailbox starts); start resumes with the ones left, not the done ones. */
const root = path.resolve(__dirname, '..', '..');
const KEY = 'stop-start-test-key-00001';
const MAILBOXES = 12;
let host: Host;
let server: RunningDovecot;

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

async function until(id: string, statuses: string[]): Promise<any> {
  for (let i = 0; i < 400; i++) {
    const { json } = await api('GET', `batches/${id}`);
    if (statuses.includes(json.batch.status)) return json.batch;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`batch never reached ${statuses.join('/')}`);
}

beforeAll(async () => {
  server = await startDovecot();
  for (let i = 0; i < MAILBOXES; i++) server.addUser(`u${i}@example.com`, 'x');
  host = await startHost({
    appRoot: root,
    appModule: path.join(root, 'functions', 'index'),
    port: 0,
    apiKey: KEY,
    settings: { MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-stop-')) },
  });
  for (const name of ['source', 'target']) {
    await api('POST', 'endpoints', {
      name,
      type: 'imap',
      settings: { host: server.host, port: server.port, security: 'none', admin: { user: 'admin' } },
      password: server.admin.password,
      maxConcurrentMigrations: 1,
    });
  }
}, 60000);

afterAll(async () => {
  await host?.stop();
  await server?.stop();
});

test('stop leaves the remaining mailboxes queued; start finishes exactly those', async () => {
  const csv = ['EmailAddress', ...Array.from({ length: MAILBOXES }, (_, i) => `u${i}@example.com`)].join(
    '\r\n',
  );
  const created = await api('POST', 'batches?name=stoppable&autoStart=true', csv);
  expect(created.status).toBe(201);
  const id = created.json.batch.id;
  await until(id, ['Syncing']);
  const stop = await api('POST', `batches/${id}/stop`);
  expect(stop.status).toBe(202);
  expect(stop.json.batch.status).toBe('Stopping');
  const stopped = await until(id, ['Stopped']);
  // Some mailboxes are left (not provisioned yet, or provisioned and not copied); none is lost.
  const left = stopped.counts.Queued + stopped.counts.Provisioning;
  expect(left).toBeGreaterThan(0);
  expect(stopped.counts.Synced + left).toBe(MAILBOXES);

  const { json: before } = await api('GET', `batches/${id}/mailboxes?pageSize=100`);
  const syncedAt = Object.fromEntries(
    before.items.filter((m: any) => m.status === 'Synced').map((m: any) => [m.email, m.syncStartedAt]),
  );

  expect((await api('POST', `batches/${id}/start`)).status).toBe(202);
  const finished = await until(id, ['Synced', 'SyncedWithErrors']);
  expect(finished.status).toBe('Synced');
  expect(finished.counts.Synced).toBe(MAILBOXES);
  // The mailboxes done before the stop were not run again.
  const { json: after } = await api('GET', `batches/${id}/mailboxes?pageSize=100`);
  for (const m of after.items) if (syncedAt[m.email]) expect(m.syncStartedAt).toBe(syncedAt[m.email]);
}, 120000);
