/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely; the assertions check their shape */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { Host } from '../../local/host';
import { apiFor, startApp } from '../../testing/jest/app';

/** `csvBlob` reads only its own container, a dropped CSV makes one batch, and the password file never stays. */
const KEY = 'csv-blob-test-key-0123456789';
let host: Host;
let drop: ContainerClient;
let other: ContainerClient;
const api = apiFor(() => host, KEY);
const csvOf = (email: string): string => `EmailAddress,Password\r\n${email},Pa55word-for-${email}\r\n`;

beforeAll(async () => {
  // The trigger is driven by hand (scanNow) so the race below is the one being tested.
  host = await startApp(KEY, { blobPollMs: 3_600_000 });
  const blobs = BlobServiceClient.fromConnectionString(host.storage.connectionString);
  drop = blobs.getContainerClient('migration-batches');
  other = blobs.getContainerClient('batches');
  await drop.createIfNotExists();
  await other.createIfNotExists();
}, 30_000);
afterAll(() => host?.stop());

const put = async (container: ContainerClient, name: string, text: string): Promise<void> => {
  await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
};
const batchesNamed = async (...names: string[]): Promise<any[]> =>
  (await api('GET', 'batches')).json.batches.filter((b: any) => names.includes(b.name));

test('csvBlob cannot name a blob outside the drop container', async () => {
  await put(other, 'someone/batch.csv', csvOf('victim@contoso.com'));
  for (const csvBlob of [
    '../batches/someone/batch.csv',
    'x/../../batches/someone/batch.csv',
    './wave.txt',
    '/wave.txt',
    'batches/someone/batch.csv',
    'migration-batches/wave.txt',
    'http://127.0.0.1:1/devstoreaccount1/batches/someone/batch.csv',
    '%2e%2e/batches/someone/batch.csv',
    'staged\\..\\wave.txt',
  ]) {
    const answer = await api('POST', 'batches', { name: 'outside', csvBlob });
    expect({ csvBlob, status: answer.status, code: answer.json.code, field: answer.json.field }).toEqual({
      csvBlob,
      status: 400,
      code: 'REQUEST_INVALID',
      field: 'csvBlob',
    });
  }
  expect(await batchesNamed('outside')).toEqual([]);
  expect(await other.getBlobClient('someone/batch.csv').exists()).toBe(true);
});

test('the CSV named by csvBlob is deleted once read', async () => {
  await put(drop, 'staged/wave-4.upload', csvOf('four@contoso.com'));
  const created = await api('POST', 'batches', { name: 'wave-4', csvBlob: 'staged/wave-4.upload' });
  expect(created.status).toBe(201);
  expect(created.json.batch.totalMailboxes).toBe(1);
  expect(await drop.getBlobClient('staged/wave-4.upload').exists()).toBe(false);
});

test('a .csv named by csvBlob while the blob trigger sees it becomes one batch, not two', async () => {
  for (const round of [1, 2, 3]) {
    const file = `race-${round}.csv`;
    await put(drop, file, csvOf(`race${round}@contoso.com`));
    const [answer] = await Promise.all([
      api('POST', 'batches', { name: `race-${round}-api`, csvBlob: file }),
      host.blobWatcher.scanNow(),
    ]);
    await host.blobWatcher.scanNow();
    const made = await batchesNamed(`race-${round}`, `race-${round}-api`);
    expect(made).toHaveLength(1);
    if (answer.status !== 201) {
      // The trigger took it: the API says so and how to send options with a file.
      expect(answer.json).toMatchObject({ code: 'BLOB_CLAIMED', field: 'csvBlob' });
      expect(answer.json.message).toMatch(/does not end in \.csv/);
    }
    expect(await drop.getBlobClient(file).exists()).toBe(false);
  }
}, 60_000);

test('a dropped CSV is deleted even when the trigger fails on it', async () => {
  // The error report cannot be written (another client holds a lease on it): the trigger fails.
  await put(drop, 'stuck.errors.json', '{}');
  const lease = drop.getBlobClient('stuck.errors.json').getBlobLeaseClient();
  await lease.acquireLease(-1);
  await put(drop, 'stuck.csv', 'EmailAddress,Password\r\nnot-an-address,short\r\n');
  await host.blobWatcher.scanNow();
  expect(await drop.getBlobClient('stuck.csv').exists()).toBe(false);
  await lease.releaseLease();
});
