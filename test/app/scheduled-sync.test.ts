import { ManualClock } from '../../local/clock';
import { services } from '../../shared/app/services';
import { batchReaching, imapAs } from '../../testing/jest/app';
import { useMigrationApp } from '../../testing/jest/migration-app';
import { startCapturingSmtp, type CapturingSmtp } from '../../testing/jest/smtp';

/**
 * The scheduled incremental sync: the timer ticks hourly; a Synced batch whose interval has passed
 * gets an incremental pass that brings what arrived on the source; a batch not yet due is left alone.
 * The first run mails its status and final reports with links to each file; a daily pass writes its
 * report beside them without mailing anyone.
 */
const KEY = 'scheduled-sync-key-000001';
const clock = new ManualClock(new Date());
let smtp: CapturingSmtp;
beforeAll(async () => {
  smtp = await startCapturingSmtp();
});
afterAll(async () => {
  await smtp?.close();
});
const app = useMigrationApp({
  apiKey: KEY,
  users: ['dana@example.com'],
  app: () => ({
    clock,
    settings: {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_SECURE: 'false',
      REPORT_SENDER: 'mailferry@example.com',
      REPORT_RECIPIENTS: 'admin@example.com',
    },
  }),
});
const { api } = app;

test('the hourly tick starts an incremental pass for a batch whose interval has passed, and only then', async () => {
  const created = await api(
    'POST',
    'batches?name=sched&autoStart=true&incrementalSyncIntervalHours=24',
    'EmailAddress\r\ndana@example.com\r\n',
  );
  expect(created.status).toBe(201);
  const id = created.json.batch.id as string;
  await batchReaching(api, id, ['Synced', 'SyncedWithErrors']);
  for (let i = 0; i < 100 && smtp.messages.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  const subjects = smtp.messages.map((m) => m.mail.subject ?? '');
  expect(subjects).toEqual([
    expect.stringMatching(/provisioned/),
    expect.stringMatching(/initial sync done/),
  ]);
  // The mail links each file to the dashboard page that opens it.
  expect(smtp.messages[1]?.mail.html).toContain(`#/batches/${id}/reports/final/statistics.csv`);

  const c = await imapAs(app.source(), 'dana@example.com');
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
  // The pass wrote its report (listed with the batch's others) and mailed nobody.
  let reports: string[] = [];
  for (let i = 0; i < 100 && !reports.includes('incremental/report.json'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    reports = (await api('GET', `batches/${id}/reports`)).json.reports.map((r: { name: string }) => r.name);
  }
  expect(reports).toEqual(
    expect.arrayContaining(['status/report.json', 'final/report.json', 'incremental/report.json']),
  );
  expect(smtp.messages).toHaveLength(2);
  const onTarget = await imapAs(app.target(), 'dana@example.com');
  const status = await onTarget.status('INBOX', { messages: true });
  await onTarget.logout();
  expect(status && status.messages).toBe(1);
}, 120000);
