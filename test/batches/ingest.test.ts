import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { services, type Services } from '../../shared/app/services';
import { ingestBatch } from '../../shared/batches/ingest';
import { storeStagedSecrets } from '../../shared/batches/staged-secrets';
import { isCodedError } from '../../shared/domain/errors';
import { batchMailboxSecretName } from '../../shared/secrets/refs';
import { useAzurite } from '../../testing/jest/azurite';

/**
 * Ingest: a repeated upload (a client retrying after a timeout) answers with the same batch; an
 * upload cut short leaves no half batch; the CSV passwords are not written to the secret store in
 * the request (Key Vault's pace would not allow 50,000 of them) but by the first run; an address
 * already in an active batch is refused, naming the row and the other batch.
 */
const storage = useAzurite();
let svc: Services;
beforeAll(() => {
  svc = services({
    AzureWebJobsStorage: storage().connectionString,
    MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-ingest-')),
  });
});

const PASSWORD = 'Staged-Passw0rd!';
const stagedCsv = (prefix: string, n: number) =>
  Buffer.from(
    ['EmailAddress,Password,ForceChangePassword']
      .concat(Array.from({ length: n }, (_, i) => `${prefix}${i}@contoso.test,${PASSWORD}${i},True`))
      .join('\r\n'),
  );

test('the same upload twice gives one batch, whole, and no BATCH_NAME_TAKEN', async () => {
  const csv = stagedCsv('twice', 2000);
  const first = await ingestBatch(svc, csv, { name: 'twice' });
  const again = await ingestBatch(svc, csv, { name: 'twice' });
  expect(again.batch.id).toBe(first.batch.id);
  expect(again.problems).toEqual([]);
  expect(again.batch.totalMailboxes).toBe(2000);
  // A different file under the same name is still refused.
  const other = await ingestBatch(svc, stagedCsv('other', 3), { name: 'twice' }).catch((e: unknown) => e);
  expect(isCodedError(other) && other.code).toBe('BATCH_NAME_TAKEN');
}, 120000);

test('an upload cut short leaves no batch behind; the retry makes the whole batch', async () => {
  const csv = stagedCsv('cut', 1500);
  // The storage connection drops while the file copy is written, after the mailbox rows.
  const failingBlobs = {
    getContainerClient: (name: string): ContainerClient => {
      const real = svc.blobs.getContainerClient(name);
      return Object.assign(Object.create(real) as ContainerClient, {
        getBlockBlobClient: () => ({
          uploadData: async () => {
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          },
        }),
      });
    },
  } as unknown as BlobServiceClient;
  await expect(ingestBatch({ ...svc, blobs: failingBlobs }, csv, { name: 'cut' })).rejects.toThrow(
    'socket hang up',
  );
  expect(await svc.state.batches.findByName('cut')).toBeUndefined();
  expect((await svc.state.batches.list()).map((b) => b.name)).not.toContain('cut');

  const retried = await ingestBatch(svc, csv, { name: 'cut' });
  expect(retried.problems).toEqual([]);
  expect(retried.batch.totalMailboxes).toBe(1500);
  expect(retried.batch.counts.Queued).toBe(1500);
}, 120000);

test('passwords are sealed at upload (one secret write) and stored by the first run, chunk by chunk, idempotently', async () => {
  let writes = 0;
  const counting = {
    ...svc,
    secrets: {
      ...svc.secrets,
      set: (name: string, value: string) => (writes++, svc.secrets.set(name, value)),
      setMany: (entries: ReadonlyArray<readonly [string, string]>) => (
        (writes += entries.length),
        svc.secrets.setMany(entries)
      ),
    },
  };
  const n = 2000; // the staged format's limit
  const { batch, problems } = await ingestBatch(counting, stagedCsv('sealed', n), { name: 'sealed' });
  expect(problems).toEqual([]);
  expect(writes).toBe(1);
  const nameOf = (i: number) => batchMailboxSecretName(batch.id, `sealed${i}@contoso.test`);
  expect(await svc.secrets.get(nameOf(0))).toBeUndefined();
  const sealed = svc.blobs.getContainerClient('batches').getBlobClient(`${batch.id}/passwords.sealed`);
  expect((await sealed.downloadToBuffer()).toString()).not.toContain(PASSWORD);

  const calls: Array<{ next: number; done: boolean }> = [];
  for (let from = 0; ;) {
    const step = await storeStagedSecrets(svc, { batchId: batch.id, from });
    calls.push(step);
    if (step.done) break;
    // A retried chunk (its reply lost) writes the same values again: harmless.
    if (calls.length === 1) await storeStagedSecrets(svc, { batchId: batch.id, from });
    from = step.next;
  }
  expect(calls.map((c) => c.next)).toEqual([1000, 2000]);
  expect(await svc.secrets.get(nameOf(0))).toBe(`${PASSWORD}0`);
  expect(await svc.secrets.get(nameOf(n - 1))).toBe(`${PASSWORD}${n - 1}`);
  expect(await sealed.exists()).toBe(false);
  expect(await storeStagedSecrets(svc, { batchId: batch.id, from: 0 })).toEqual({ next: 0, done: true });
}, 120000);

test('an address already in an active batch is refused, naming the row and the other batch; a failed batch lets it go', async () => {
  const first = await ingestBatch(
    svc,
    Buffer.from('EmailAddress\r\nann@contoso.test\r\nben@contoso.test\r\n'),
    {
      name: 'first-wave',
    },
  );
  const second = await ingestBatch(
    svc,
    Buffer.from('EmailAddress\r\ncid@contoso.test\r\nBen@Contoso.test\r\ndee@contoso.test\r\n'),
    { name: 'second-wave' },
  );
  expect(second.batch.status).toBe('Failed');
  expect(second.batch.totalMailboxes).toBe(0);
  expect(second.problems).toEqual([
    expect.objectContaining({
      code: 'MAILBOX_IN_ACTIVE_BATCH',
      row: 3,
      email: 'ben@contoso.test',
      otherBatch: { id: first.batch.id, name: 'first-wave', status: 'Created' },
    }),
  ]);
  expect(second.problems[0]?.message).toMatch(/Row 3: ben@contoso.test is already in batch "first-wave"/);

  await svc.state.batches.update(first.batch.id, () => ({ status: 'Failed' }));
  const third = await ingestBatch(svc, Buffer.from('EmailAddress\r\nben@contoso.test\r\n'), {
    name: 'third-wave',
  });
  expect(third.problems).toEqual([]);
  expect(third.batch.totalMailboxes).toBe(1);
}, 60000);
