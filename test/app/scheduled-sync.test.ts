import { ManualClock } from '../../local/clock';
import type { Host } from '../../local/host';
import { services } from '../../shared/app/services';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, batchReaching, imapAs, startApp } from '../../testing/jest/app';

/**
 * The scheduled incremental sync: the timer ticks hourly; a Synced batch whose interval has passed
 * gets an incremental pass that brings what arrived on the source; a batch not yet due is left alone.
 */
const KEY = 'scheduled-sync-key-000001';
const clock = new ManualClock(new Date());
let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;
const api = apiFor(() => host, KEY);

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  for (const s of [source, target]) s.addUser('dana@example.com', 'x');
  host = await startApp(KEY, { clock });
  await addImapEndpoints(api, { source, target });
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
  const id = created.json.batch.id as string;
  await batchReaching(api, id, ['Synced', 'SyncedWithErrors']);

  const c = await imapAs(source, 'dana@example.com');
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
  let batch = await batchReaching(api, id, ['Synced', 'SyncedWithErrors', 'IncrementalSyncing']);
  for (let i = 0; i < 100 && (batch.lastSyncedAt === longAgo || batch.status === 'IncrementalSyncing'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    batch = (await api('GET', `batches/${id}`)).json.batch;
  }
  expect(batch.status).toBe('Synced');
  expect(batch.counts.IncrementalSynced).toBe(1);
  const onTarget = await imapAs(target, 'dana@example.com');
  const status = await onTarget.status('INBOX', { messages: true });
  await onTarget.logout();
  expect(status && status.messages).toBe(1);
}, 120000);
