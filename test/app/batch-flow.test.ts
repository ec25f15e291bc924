/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { BlobServiceClient } from '@azure/storage-blob';
import type { Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, batchGone, imapAs, startApp } from '../../testing/jest/app';

/**
 * The whole job through the embedded runtime and the real app: a CSV dropped into
 * `migration-batches` becomes a batch, its mailboxes are copied between two real Dovecot servers,
 * statuses and statistics land in Table Storage and the report lands in Blob Storage.
 */
const KEY = 'e2e-key';
const PASSWORD = 'Sup3r-Secret-Pw!';
let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;

const api = apiFor(() => host, KEY);
const imap = imapAs;

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  for (const user of ['alice@example.com', 'bob@example.com', 'carol@example.com']) source.addUser(user, 'x');
  for (const user of ['alice@example.com', 'bob@example.com']) target.addUser(user, 'x');
  const alice = await imap(source, 'alice@example.com');
  for (let i = 1; i <= 3; i++) {
    await alice.append(
      'INBOX',
      `From: a@example.org\r\nSubject: hello ${i}\r\nMessage-ID: <m${i}@x>\r\n\r\nbody ${i}\r\n`,
      ['\\Seen'],
    );
  }
  // Over the target's 1 MB limit: skipped and listed, never silently dropped.
  await alice.append(
    'INBOX',
    `From: a@example.org\r\nSubject: the big one\r\nMessage-ID: <big@x>\r\n\r\n${'y'.repeat(1_200_000)}\r\n`,
  );
  await alice.logout();
  host = await startApp(KEY, { blobPollMs: 200 });
  await addImapEndpoints(api, { source, target }, { targetSettings: { maxMessageSizeMB: 1 } });
}, 60000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

test('a dropped CSV is migrated: mail copied, statuses and errors per mailbox, report written, no password kept', async () => {
  const blobs = BlobServiceClient.fromConnectionString(host.storage.connectionString);
  const drop = blobs.getContainerClient('migration-batches');
  const csv = `EmailAddress,Password,ForceChangePassword\r\nalice@example.com,${PASSWORD},False\r\nbob@example.com,,\r\ncarol@example.com,,\r\n`;
  await drop.getBlockBlobClient('wave1.csv').upload(csv, csv.length);

  let batch: any;
  for (let i = 0; i < 300; i++) {
    const list = await api('GET', 'batches');
    batch = list.json.batches.find((b: any) => b.name === 'wave1');
    if (batch && ['Synced', 'SyncedWithErrors', 'Failed'].includes(batch.status)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(batch.status).toBe('SyncedWithErrors');
  const { json: page } = await api('GET', `batches/${batch.id}/mailboxes`);
  const byEmail = Object.fromEntries(page.items.map((m: any) => [m.email, m]));
  expect(byEmail['alice@example.com']).toMatchObject({ status: 'Synced', itemsSynced: 3, itemsSkipped: 1 });
  const detail = await api('GET', `batches/${batch.id}/mailboxes/alice@example.com`);
  expect(detail.json.skippedItems).toEqual([
    expect.objectContaining({ folder: 'INBOX', subject: 'the big one', kind: 'tooLarge' }),
  ]);
  expect(detail.json.skippedItems[0].reason).toMatch(/MB/);
  expect(byEmail['bob@example.com']).toMatchObject({ status: 'Synced', itemsSynced: 0 });
  expect(byEmail['carol@example.com'].status).toBe('Failed');
  expect(byEmail['carol@example.com'].lastError.message).toMatch(/carol@example\.com/);

  // The mail is on the target, flags included.
  const onTarget = await imap(target, 'alice@example.com');
  await onTarget.mailboxOpen('INBOX');
  const subjects: string[] = [];
  for await (const m of onTarget.fetch('1:*', { envelope: true, flags: true })) {
    subjects.push(m.envelope?.subject ?? '');
    expect(m.flags?.has('\\Seen')).toBe(true);
  }
  await onTarget.logout();
  expect(subjects.sort()).toEqual(['hello 1', 'hello 2', 'hello 3']);

  // The report is in blob storage; the dropped file (it held a password) is gone.
  const reports = blobs.getContainerClient('reports');
  const names: string[] = [];
  for await (const b of reports.listBlobsFlat({ prefix: `${batch.id}/` })) names.push(b.name);
  expect(names).toEqual(
    expect.arrayContaining([
      `${batch.id}/status/report.json`, // after provisioning: 2 set up, 1 failed
      `${batch.id}/final/statistics.csv`,
      `${batch.id}/final/report.json`,
    ]),
  );
  const status = JSON.parse(
    (await reports.getBlobClient(`${batch.id}/status/report.json`).downloadToBuffer()).toString(),
  );
  expect(JSON.stringify(status)).toContain('carol@example.com');
  const stats = (
    await reports.getBlobClient(`${batch.id}/final/statistics.csv`).downloadToBuffer()
  ).toString();
  expect(stats).toContain('alice@example.com');
  const errorsCsv = (
    await reports.getBlobClient(`${batch.id}/final/errors.csv`).downloadToBuffer()
  ).toString();
  expect(errorsCsv).toContain('the big one');
  expect(errorsCsv).toContain('carol@example.com');
  expect(await drop.getBlobClient('wave1.csv').exists()).toBe(false);

  // No password anywhere in blob storage.
  for await (const container of blobs.listContainers()) {
    const client = blobs.getContainerClient(container.name);
    for await (const b of client.listBlobsFlat()) {
      const text = (await client.getBlobClient(b.name).downloadToBuffer()).toString('utf8');
      expect(text).not.toContain(PASSWORD);
    }
  }
}, 120000);

test('incremental sync brings only what is new; complete runs the final pass; remove cleans up', async () => {
  const wave = (await api('GET', 'batches')).json.batches.find((b: any) => b.name === 'wave1');
  // Illegal while the batch is not running: stop. Allowed: sync, complete.
  expect((await api('GET', `batches/${wave.id}`)).json.allowedActions).toEqual(
    expect.arrayContaining(['sync', 'complete']),
  );

  const alice = await imap(source, 'alice@example.com');
  await alice.append(
    'INBOX',
    'From: a@example.org\r\nSubject: hello 4\r\nMessage-ID: <m4@x>\r\n\r\nbody 4\r\n',
  );
  await alice.logout();

  const waitFor = async (statuses: string[]): Promise<any> => {
    for (let i = 0; i < 300; i++) {
      const { json } = await api('GET', `batches/${wave.id}`);
      if (statuses.includes(json.batch.status)) return json.batch;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`batch did not reach ${statuses.join('/')}`);
  };
  expect((await api('POST', `batches/${wave.id}/sync`)).status).toBe(202);
  const synced = await waitFor(['Synced', 'SyncedWithErrors']);
  expect(synced.counts.IncrementalSynced).toBe(2);
  const { json: page } = await api('GET', `batches/${wave.id}/mailboxes`);
  const aliceRow = page.items.find((m: any) => m.email === 'alice@example.com');
  expect(aliceRow).toMatchObject({ status: 'IncrementalSynced', itemsSynced: 4 });

  const onTarget = await imap(target, 'alice@example.com');
  const status = await onTarget.status('INBOX', { messages: true });
  await onTarget.logout();
  expect(status && status.messages).toBe(4);

  expect((await api('POST', `batches/${wave.id}/complete`)).status).toBe(202);
  const completed = await waitFor(['Completed', 'CompletedWithErrors']);
  expect(completed.status).toBe('CompletedWithErrors'); // carol never migrated
  expect(completed.counts.Completed).toBe(2);
  const again = await api('POST', `batches/${wave.id}/start`);
  expect(again.status).toBe(409);
  expect((await api('DELETE', `batches/${wave.id}`)).status).toBe(202);
  expect(await batchGone(api, wave.id)).toBe(true);
}, 120000);

test('a bad CSV dropped in the container gives a Failed batch with row errors and an errors blob', async () => {
  const blobs = BlobServiceClient.fromConnectionString(host.storage.connectionString);
  const drop = blobs.getContainerClient('migration-batches');
  const csv = 'EmailAddress,Password\r\nnot-an-address,short\r\n';
  await drop.getBlockBlobClient('broken.csv').upload(csv, csv.length);
  await host.blobWatcher.scanNow();
  const list = await api('GET', 'batches');
  const batch = list.json.batches.find((b: any) => b.name === 'broken');
  expect(batch.status).toBe('Failed');
  const shown = await api('GET', `batches/${batch.id}`);
  expect(shown.json.validationErrors.length).toBeGreaterThanOrEqual(2);
  expect(shown.json.validationErrors[0]).toMatchObject({ row: 2 });
  expect(JSON.stringify(shown.json)).not.toContain('short,');
  const errorsBlob = await drop.getBlobClient('broken.errors.json').downloadToBuffer();
  expect(JSON.parse(errorsBlob.toString()).errors.length).toBeGreaterThanOrEqual(2);
});

test('lifecycle commands answer 409 with the allowed actions when the status does not allow them', async () => {
  const list = await api('GET', 'batches');
  const failed = list.json.batches.find((b: any) => b.name === 'broken');
  const complete = await api('POST', `batches/${failed.id}/complete`);
  expect(complete.status).toBe(409);
  expect(complete.json).toMatchObject({ code: 'BATCH_ILLEGAL_TRANSITION', status: 'Failed' });
  expect(complete.json.allowedActions).toEqual(expect.arrayContaining(['start', 'remove']));
  expect((await api('DELETE', `batches/${failed.id}`)).status).toBe(202);
  expect(await batchGone(api, failed.id)).toBe(true);
  const unauthorised = await fetch(`${host.url}/api/batches`);
  expect(unauthorised.status).toBe(401);
});
