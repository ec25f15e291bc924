import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { services, type Services } from '../../shared/app/services';
import { MAIL_TABLES } from '../../shared/mail';
import { escapeKey } from '../../shared/mail/state';
import { writeBatchReport } from '../../shared/migration/report';
import { mailboxKey } from '../../shared/migration/skipped';
import { reportDocumentSchema, reportsContainer } from '../../shared/report';
import { tableClient } from '../../shared/storage/clients';
import { useAzurite } from '../../testing/jest/azurite';

/**
 * A batch whose mailboxes skipped 200,000 items: errors.csv holds every one of them, and writing the
 * report does not hold them in memory (skipped rows read a page at a time, the CSV uploaded as a
 * stream). Held at once, they cost several hundred MB of heap (objects, CSV text, report.json).
 */
const storage = useAzurite();
let svc: Services;
beforeAll(() => {
  svc = services({
    AzureWebJobsStorage: storage().connectionString,
    MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-report-stream-')),
  });
});

const MAILBOXES = 20;
const PER_MAILBOX = 10_000;
const address = (i: number) => `user${i}@contoso.test`;

async function seedSkipped(batchId: string, email: string): Promise<void> {
  const table = tableClient(svc.storage, MAIL_TABLES.skipped);
  await table.createTable();
  const partitionKey = escapeKey(mailboxKey(batchId, email));
  for (let from = 0; from < PER_MAILBOX; from += 100) {
    await table.submitTransaction(
      Array.from({ length: 100 }, (_, k) => {
        const uid = from + k + 1;
        return [
          'create',
          {
            partitionKey,
            rowKey: `INBOX|1|${String(uid).padStart(10, '0')}`,
            folder: 'INBOX',
            uid,
            uidValidity: '1',
            date: '2024-03-01T10:00:00.000Z',
            subject: `=cmd|' /C calc'!A0 quarterly figures ${email} #${uid}`,
            size: 60_000_000 + uid,
            kind: 'tooLarge',
            reason: 'larger than the 35 MB the target accepts',
          },
        ] as const;
      }),
    );
  }
}

test('200,000 skipped items: errors.csv is complete and the heap stays bounded', async () => {
  const batch = await svc.state.batches.create({
    name: 'huge-skips',
    sourceEndpoint: 'legacy',
    target: 'm365',
  });
  const emails = Array.from({ length: MAILBOXES }, (_, i) => address(i));
  await svc.state.mailboxes.addMany(
    batch.id,
    emails.map((email) => ({ email, status: 'Queued' as const })),
  );
  for (let i = 0; i < MAILBOXES; i += 4)
    await Promise.all(
      emails.slice(i, i + 4).map(async (email) => {
        await seedSkipped(batch.id, email);
        await svc.state.mailboxes.update(batch.id, email, () => ({
          status: 'Synced',
          itemsSkipped: PER_MAILBOX,
        }));
      }),
    );

  const seeded = Date.now();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  let blobs: string[];
  try {
    ({ blobs } = await writeBatchReport(svc, { batchId: batch.id, mode: 'initial' }));
  } finally {
    clearInterval(sampler);
  }
  const growthMb = (peak - before) / 2 ** 20;
  console.log(
    `report of 200,000 skipped items: heap growth ${growthMb.toFixed(1)} MB, written in ${Date.now() - seeded} ms`,
  );
  expect(growthMb).toBeLessThan(96);

  const container = reportsContainer(svc.storage);
  const csvName = blobs.find((b) => b.endsWith('/errors.csv'));
  expect(csvName).toBe(`${batch.id}/final/errors.csv`);
  const csv = (await container.getBlobClient(csvName!).downloadToBuffer()).toString('utf8');
  expect(csv.startsWith('\uFEFFType,EmailAddress,')).toBe(true);
  const rows = Papa.parse<string[]>(csv.slice(1), { skipEmptyLines: true }).data;
  expect(rows.length).toBe(1 + MAILBOXES * PER_MAILBOX);
  // Every item once: mailbox and UID (in the subject) pairs are all distinct and all there.
  const subjects = new Set(rows.slice(1).map((r) => r[4]));
  expect(subjects.size).toBe(MAILBOXES * PER_MAILBOX);
  expect(subjects.has(`'=cmd|' /C calc'!A0 quarterly figures ${address(19)} #${PER_MAILBOX}`)).toBe(true);
  expect(rows.find((r) => r[1] === address(0) && r[4]?.endsWith('#1'))).toEqual([
    'SkippedItem',
    address(0),
    'INBOX',
    '2024-03-01T10:00:00.000Z',
    `'=cmd|' /C calc'!A0 quarterly figures ${address(0)} #1`,
    'tooLarge',
    '60000001',
    'larger than the 35 MB the target accepts',
    '',
  ]);

  // report.json and the mail body carry the first items and the total, not all 200,000.
  const json = reportDocumentSchema.parse(
    JSON.parse(
      (await container.getBlobClient(`${batch.id}/final/report.json`).downloadToBuffer()).toString(),
    ),
  );
  expect(json.skippedItems.length).toBe(200);
  expect(json.skippedItemsTotal).toBe(MAILBOXES * PER_MAILBOX);
  const html = (await container.getBlobClient(`${batch.id}/final/report.html`).downloadToBuffer()).toString();
  expect(html).toContain('199,800 more rows are in errors.csv.');
}, 600_000);
