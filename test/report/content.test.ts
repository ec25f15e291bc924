import Papa from 'papaparse';
import {
  buildReport,
  reportDocumentSchema,
  STATISTICS_COLUMNS,
  ERRORS_COLUMNS,
  type BuiltReport,
} from '../../shared/report';
import { CodedError } from '../../shared/domain/errors';
import { knownBatch } from './fixture';

const NOW = new Date('2026-11-21T10:00:00Z');

function file(report: BuiltReport, name: string): Buffer {
  const f = report.files.find((x) => x.name === name);
  if (!f) throw new Error(`no ${name} in report`);
  return f.content;
}

/** Parses a report CSV as Excel would see it: BOM first, then a header row. */
function parseCsv(buf: Buffer): { fields: string[]; rows: Record<string, string>[] } {
  expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const parsed = Papa.parse<Record<string, string>>(buf.toString('utf8').slice(1), {
    header: true,
    skipEmptyLines: true,
  });
  expect(parsed.errors).toEqual([]);
  return { fields: parsed.meta.fields ?? [], rows: parsed.data };
}

/** The visible text of the HTML table row that mentions `needle`, cells joined by " | ". */
function rowText(html: string, needle: string): string {
  const row = html
    .split('<tr>')
    .map((r) => r.split('</tr>')[0] ?? '')
    .find((r) => r.includes(needle));
  if (row === undefined) throw new Error(`no row with ${needle}`);
  return row
    .split(/<\/td>/)
    .map((cell) => cell.replace(/<[^>]+>/g, '').trim())
    .filter(Boolean)
    .join(' | ');
}

describe('final report from a known batch state', () => {
  const report = buildReport('final', knownBatch(), { now: NOW });

  test('the subject names the batch, its status and the failures', () => {
    expect(report.subject).toBe(
      'mailferry: batch Sales wave 1 initial sync done (SyncedWithErrors), 1 failed',
    );
  });

  test('the HTML shows each mailbox with its status, numbers, rate, duration, last sync and error', () => {
    expect(rowText(report.html, 'anna@contoso.com</td>')).toBe(
      'anna@contoso.com | Synced | 12,345 | 2 | 1.5 GB (1,610,612,736 bytes) | 205.8 items/min, 25.6 MB/min | 1 h | 2026-11-21 09:30 UTC',
    );
    // Rate derived from the totals when the source gave none (IMAP sources).
    expect(rowText(report.html, 'bjørn@contoso.com</td>')).toBe(
      'bjørn@contoso.com | Syncing | 500 | 0 | 1.5 KB (1,536 bytes) | 250 items/min, 768 bytes/min | 2 min | —',
    );
    expect(rowText(report.html, 'carl@contoso.com</td>')).toContain(
      'Failed | 0 | 0 | 0 bytes | — | — | — | target.user-missing: No Microsoft 365 user carl@contoso.com; run directory sync.',
    );
  });

  test('the HTML shows totals, counts per status and the skipped items with their reasons', () => {
    expect(rowText(report.html, '>Items synced<')).toBe('Items synced | 12,845');
    expect(rowText(report.html, '>Data migrated<')).toBe('Data migrated | 1.5 GB (1,610,614,272 bytes)');
    expect(rowText(report.html, '>Failed<')).toBe('Failed | 1');
    expect(report.html).toContain('SyncedWithErrors');
    expect(rowText(report.html, 'Inbox/Projekte/Größe')).toBe(
      'anna@contoso.com | Inbox/Projekte/Größe | 2025-03-01 12:00 UTC | Quarterly figures, &quot;final&quot; | message | 40 MB | LargeItem: 40 MB exceeds the 35 MB message size limit',
    );
    expect(report.html).toContain('href="https://mailferry.contoso.com/batches/batch-2026-sales"');
  });

  test('failed mailboxes come first in the body, where the reader looks', () => {
    expect(report.html.indexOf('carl@contoso.com')).toBeLessThan(
      report.html.indexOf('anna@contoso.com</td>'),
    );
    expect(report.text.indexOf('- carl@contoso.com')).toBeLessThan(report.text.indexOf('- anna@contoso.com'));
  });

  test('the text body carries the same facts', () => {
    expect(report.text).toContain('Items synced:  12,845');
    expect(report.text).toContain(
      '- anna@contoso.com: Synced; 12,345 synced, 2 skipped; 1.5 GB (1,610,612,736 bytes)',
    );
    expect(report.text).toContain('error target.user-missing: No Microsoft 365 user');
    expect(report.text).toContain('CorruptItem: no start time');
  });

  test('statistics.csv parses back to the mailbox numbers, one row per mailbox', () => {
    const { fields, rows } = parseCsv(file(report, 'statistics.csv'));
    expect(fields).toEqual([...STATISTICS_COLUMNS]);
    expect(rows).toEqual([
      {
        EmailAddress: 'anna@contoso.com',
        Status: 'Synced',
        ItemsSynced: '12345',
        ItemsSkipped: '2',
        BytesSynced: '1610612736',
        DataMigrated: '1.5 GB',
        ItemsPerMinute: '205.75',
        BytesPerMinute: '26843545.6',
        DurationSeconds: '3600',
        Duration: '1 h',
        LastSuccessfulSync: '2026-11-21T09:30:00.000Z',
        ErrorCode: '',
        ErrorMessage: '',
      },
      {
        EmailAddress: 'bjørn@contoso.com',
        Status: 'Syncing',
        ItemsSynced: '500',
        ItemsSkipped: '0',
        BytesSynced: '1536',
        DataMigrated: '1.5 KB',
        ItemsPerMinute: '250',
        BytesPerMinute: '768',
        DurationSeconds: '120',
        Duration: '2 min',
        LastSuccessfulSync: '',
        ErrorCode: '',
        ErrorMessage: '',
      },
      {
        EmailAddress: 'carl@contoso.com',
        Status: 'Failed',
        ItemsSynced: '0',
        ItemsSkipped: '0',
        BytesSynced: '0',
        DataMigrated: '0 bytes',
        ItemsPerMinute: '',
        BytesPerMinute: '',
        DurationSeconds: '',
        Duration: '',
        LastSuccessfulSync: '',
        ErrorCode: 'target.user-missing',
        ErrorMessage: 'No Microsoft 365 user carl@contoso.com; run directory sync.',
      },
    ]);
  });

  test('errors.csv lists the failed mailbox and every skipped item with its reason', () => {
    const { fields, rows } = parseCsv(file(report, 'errors.csv'));
    expect(fields).toEqual([...ERRORS_COLUMNS]);
    expect(
      rows.map((r) => [r.Type, r.EmailAddress, r.Folder, r.Subject, r.SizeBytes, r.Reason, r.ErrorCode]),
    ).toEqual([
      [
        'FailedMailbox',
        'carl@contoso.com',
        '',
        '',
        '',
        'No Microsoft 365 user carl@contoso.com; run directory sync.',
        'target.user-missing',
      ],
      [
        'SkippedItem',
        'anna@contoso.com',
        'Inbox/Projekte/Größe',
        'Quarterly figures, "final"',
        '41943040',
        'LargeItem: 40 MB exceeds the 35 MB message size limit',
        '',
      ],
      ['SkippedItem', 'anna@contoso.com', 'Calendar', 'Weekly sync', '', 'CorruptItem: no start time', ''],
    ]);
    expect(rows[1]?.Date).toBe('2025-03-01T12:00:00.000Z');
  });

  test('report.json validates against its schema and holds the same numbers', () => {
    const doc = reportDocumentSchema.parse(JSON.parse(file(report, 'report.json').toString('utf8')));
    expect(doc.kind).toBe('final');
    expect(doc.generatedAt).toBe(NOW.toISOString());
    expect(doc.summary).toEqual({ mailboxes: 3, setUp: 2, failed: 1, pending: 0, other: 0 });
    expect(doc.batch.totals).toEqual({
      mailboxes: 3,
      itemsSynced: 12845,
      itemsSkipped: 2,
      bytesSynced: 1_610_614_272,
    });
    expect(doc.batch.counts).toEqual({ Synced: 1, Syncing: 1, Failed: 1 });
    expect(doc.mailboxes.map((m) => [m.emailAddress, m.status, m.itemsSynced])).toEqual([
      ['anna@contoso.com', 'Synced', 12345],
      ['bjørn@contoso.com', 'Syncing', 500],
      ['carl@contoso.com', 'Failed', 0],
    ]);
    expect(doc.skippedItems).toHaveLength(2);
  });
});

describe('status mail after provisioning', () => {
  const report = buildReport('status', knownBatch(), { now: NOW });

  test('says how many mailboxes are set up and how many failed', () => {
    expect(report.subject).toBe('mailferry: batch Sales wave 1 provisioned, 2 set up, 1 failed');
    expect(report.html).toContain('2 of 3 mailboxes set up, 1 failed.');
    expect(report.text).toContain('2 of 3 mailboxes set up, 1 failed.');
  });

  test('lists only the failed mailboxes, and links to the dashboard and report files', () => {
    const section = report.html.split('Mailboxes that failed</h2>')[1]?.split('<h2')[0] ?? '';
    expect(section).toContain('carl@contoso.com');
    expect(section).not.toContain('anna@contoso.com');
    expect(section).not.toContain('bjørn@contoso.com');
    expect(report.html).toContain('href="https://mailferry.contoso.com/batches/batch-2026-sales"');
    expect(report.html).toContain(
      'href="https://mailferry.contoso.com/api/batches/batch-2026-sales/reports/final/statistics.csv"',
    );
    expect(report.files.map((f) => f.name)).toEqual(['statistics.csv', 'errors.csv', 'report.json']);
  });
});

test('the completion report uses batch-level counters when the state gives them', () => {
  const input = knownBatch();
  input.batch.status = 'Completed';
  input.batch.counts = { Completed: 1998, Failed: 2 };
  input.batch.totals = { mailboxes: 2000, itemsSynced: 5_000_000, itemsSkipped: 40, bytesSynced: 2 ** 40 };
  const report = buildReport('completion', input, { now: NOW });
  expect(report.subject).toBe('mailferry: batch Sales wave 1 completed (Completed), 2 failed');
  expect(report.text).toContain('5,000,000 items copied to 2,000 mailboxes, 40 skipped, 2 mailboxes failed.');
  expect(report.html).toContain('1 TB (1,099,511,627,776 bytes)');
});

test('bad input is refused with a coded error naming the field', () => {
  const input = knownBatch() as { mailboxes: Record<string, unknown>[] };
  input.mailboxes[1]!.status = 'Done';
  input.mailboxes[2]!.itemsSynced = -1;
  let error: unknown;
  try {
    buildReport('final', input);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CodedError);
  const problem = (error as CodedError).toJSON();
  expect(problem.code).toBe('REPORT_INVALID_INPUT');
  expect((problem.problems as { field: string }[]).map((p) => p.field)).toEqual([
    'mailboxes[1].status',
    'mailboxes[2].itemsSynced',
  ]);
});

test('a password or message body handed in with the state never reaches any part of the report', () => {
  const input = knownBatch() as unknown as {
    batch: Record<string, unknown>;
    mailboxes: Record<string, unknown>[];
  };
  input.mailboxes[0]!.password = 'Sup3r-Secret-Pw!';
  input.mailboxes[0]!.body = 'Dear Anna, the merger terms are';
  input.batch.smtpPassword = 'Sup3r-Secret-Pw!';
  const report = buildReport('final', input);
  const everything = [
    report.subject,
    report.html,
    report.text,
    ...report.files.map((f) => f.content.toString()),
  ].join('\n');
  expect(everything).not.toContain('Sup3r-Secret-Pw!');
  expect(everything).not.toContain('merger terms');
});
