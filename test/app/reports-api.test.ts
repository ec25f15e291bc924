/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { BlobServiceClient } from '@azure/storage-blob';
import type { Host } from '../../local/host';
import { buildReport, deliverReport } from '../../shared/report';
import { apiFor, startApp } from '../../testing/jest/app';

/** A batch's reports through the API: listed with their URLs, each served behind the key. */
const KEY = 'reports-test-key-0123456789';
let host: Host;
const api = apiFor(() => host, KEY);

beforeAll(async () => {
  host = await startApp(KEY);
}, 30000);
afterAll(() => host?.stop());

async function batchWithReport(): Promise<string> {
  const endpoint = await api('POST', 'endpoints', {
    name: 'src',
    type: 'imap',
    settings: { host: '127.0.0.1', port: 1, security: 'none', admin: { user: 'admin' } },
    password: 'Adm1n-Passw0rd-88',
  });
  expect(endpoint.status).toBe(201);
  const created = await api(
    'POST',
    'batches?name=wave-r&sourceEndpoint=src&target=src',
    'EmailAddress\r\na@x.com\r\n',
  );
  expect(created.status).toBe(201);
  const id = created.json.batch.id as string;
  // The report a run writes: the mail body and its three files, into the reports container.
  const report = buildReport('final', {
    batch: { id, name: 'wave-r', status: 'Synced', createdAt: new Date().toISOString() },
    mailboxes: [
      { emailAddress: 'a@x.com', status: 'Synced', itemsSynced: 3, itemsSkipped: 0, bytesSynced: 30 },
    ],
  });
  const container = BlobServiceClient.fromConnectionString(host.storage.connectionString).getContainerClient(
    'reports',
  );
  await deliverReport({ report, blob: container, recipients: [], transports: [] });
  return id;
}

test('reports are listed with a URL each, served behind the key, and nothing outside the batch is reachable', async () => {
  const id = await batchWithReport();
  const listed = await api('GET', `batches/${id}/reports`);
  expect(listed.status).toBe(200);
  const names = listed.json.reports.map((r: any) => r.name).sort();
  expect(names).toEqual([
    'final/errors.csv',
    'final/report.html',
    'final/report.json',
    'final/statistics.csv',
  ]);
  const stats = listed.json.reports.find((r: any) => r.file === 'statistics.csv');
  expect(stats).toMatchObject({ kind: 'final', contentType: 'text/csv; charset=utf-8' });
  expect(stats.size).toBeGreaterThan(0);
  expect(stats.url).toBe(`/api/batches/${id}/reports/final/statistics.csv`);

  const file = await fetch(`${host.url}${stats.url}`, { headers: { 'x-functions-key': KEY } });
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(file.headers.get('content-disposition')).toMatch(
    /^attachment; filename="wave-r-final-statistics.csv"$/,
  );
  const bytes = Buffer.from(await file.arrayBuffer());
  expect(bytes.toString('utf8')).toContain('a@x.com');
  expect(bytes.length).toBe(stats.size);

  const html = await fetch(`${host.url}/api/batches/${id}/reports/final/report.html`, {
    headers: { 'x-functions-key': KEY },
  });
  expect(html.headers.get('content-security-policy')).toContain('sandbox');

  expect((await fetch(`${host.url}${stats.url}`)).status).toBe(401);
  const missing = await api('GET', `batches/${id}/reports/final/nothing.csv`);
  expect(missing.status).toBe(404);
  expect(missing.json.code).toBe('REPORT_NOT_FOUND');
  const dotted = await api('GET', `batches/${id}/reports/final/..%2F..%2Fx`);
  expect([400, 404]).toContain(dotted.status);
  const unknown = await api('GET', 'batches/no-such-batch/reports');
  expect(unknown.status).toBe(404);
  expect(unknown.json.code).toBe('BATCH_NOT_FOUND');
});
