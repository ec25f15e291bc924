/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import type { Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, batchReaching, startApp } from '../../testing/jest/app';

/** Stop drains a running batch (no new mailbox starts); start resumes with the ones left, not the done ones. */
const KEY = 'stop-start-test-key-00001';
const MAILBOXES = 12;
let host: Host;
let server: RunningDovecot;
const api = apiFor(() => host, KEY);

beforeAll(async () => {
  server = await startDovecot();
  for (let i = 0; i < MAILBOXES; i++) server.addUser(`u${i}@example.com`, 'x');
  host = await startApp(KEY);
  await addImapEndpoints(api, { source: server, target: server }, { maxConcurrentMigrations: 1 });
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
  await batchReaching(api, id, ['Syncing']);
  const stop = await api('POST', `batches/${id}/stop`);
  expect(stop.status).toBe(202);
  expect(stop.json.batch.status).toBe('Stopping');
  const stopped = await batchReaching(api, id, ['Stopped']);
  // Some mailboxes are left (not provisioned yet, or provisioned and not copied); none is lost.
  const left = stopped.counts.Queued + stopped.counts.Provisioning;
  expect(left).toBeGreaterThan(0);
  expect(stopped.counts.Synced + left).toBe(MAILBOXES);

  const { json: before } = await api('GET', `batches/${id}/mailboxes?pageSize=100`);
  const syncedAt = Object.fromEntries(
    before.items.filter((m: any) => m.status === 'Synced').map((m: any) => [m.email, m.syncStartedAt]),
  );

  expect((await api('POST', `batches/${id}/start`)).status).toBe(202);
  const finished = await batchReaching(api, id, ['Synced', 'SyncedWithErrors']);
  expect(finished.status).toBe('Synced');
  expect(finished.counts.Synced).toBe(MAILBOXES);
  // The mailboxes done before the stop were not run again.
  const { json: after } = await api('GET', `batches/${id}/mailboxes?pageSize=100`);
  for (const m of after.items) if (syncedAt[m.email]) expect(m.syncStartedAt).toBe(syncedAt[m.email]);
}, 120000);
