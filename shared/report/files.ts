import { z } from 'zod';
import { formatBytes, formatDuration, perMinute } from './format';
import {
  batchSchema,
  mailboxReportSchema,
  reportLinksSchema,
  skippedItemSchema,
  type SkippedItemReport,
  type ValidBatchReport,
} from './input';
import { REPORT_KINDS, type ReportKind } from './kinds';
import { csvBuffer, type CsvCell } from './csv';
import { needsAttention } from './summary';
import { cutoverReportSchema } from './cutover';

/** The files of a report: attached to the mail and copied to blob storage. */
export interface ReportFile {
  name: string;
  contentType: string;
  content: Buffer;
}

export const FILE_NAMES = {
  statistics: 'statistics.csv',
  errors: 'errors.csv',
  json: 'report.json',
} as const;

export const CSV_TYPE = 'text/csv; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Rates to two decimals: enough for a spreadsheet, no float noise like 12.333333333333334. */
function round2(n: number | null): number | null {
  return n === null ? null : Math.round(n * 100) / 100;
}

export const STATISTICS_COLUMNS = [
  'EmailAddress',
  'Status',
  'ItemsSynced',
  'ItemsSkipped',
  'BytesSynced',
  'DataMigrated',
  'ItemsPerMinute',
  'BytesPerMinute',
  'DurationSeconds',
  'Duration',
  'LastSuccessfulSync',
  'ErrorCode',
  'ErrorMessage',
] as const;

export function statisticsCsv(report: ValidBatchReport): ReportFile {
  const rows: CsvCell[][] = report.mailboxes.map((m) => [
    m.emailAddress,
    m.status,
    m.itemsSynced,
    m.itemsSkipped,
    m.bytesSynced,
    formatBytes(m.bytesSynced),
    round2(m.itemsPerMinute ?? perMinute(m.itemsSynced, m.durationSeconds)),
    round2(m.bytesPerMinute ?? perMinute(m.bytesSynced, m.durationSeconds)),
    m.durationSeconds,
    m.durationSeconds === null ? null : formatDuration(m.durationSeconds),
    m.lastSuccessfulSync,
    m.error?.code ?? null,
    m.error?.message ?? null,
  ]);
  return { name: FILE_NAMES.statistics, contentType: CSV_TYPE, content: csvBuffer(STATISTICS_COLUMNS, rows) };
}

export const ERRORS_COLUMNS = [
  'Type',
  'EmailAddress',
  'Folder',
  'Date',
  'Subject',
  'Kind',
  'SizeBytes',
  'Reason',
  'ErrorCode',
] as const;

/** errors.csv's rows of the failed mailboxes (one each, with its error). */
export function failedMailboxRows(report: ValidBatchReport): CsvCell[][] {
  return report.mailboxes
    .filter(needsAttention)
    .map((m) => [
      'FailedMailbox',
      m.emailAddress,
      null,
      null,
      null,
      'mailbox',
      null,
      m.error?.message ?? m.status,
      m.error?.code ?? m.status,
    ]);
}

/** errors.csv's rows of skipped items, each with its reason. */
export function skippedItemRows(items: readonly SkippedItemReport[]): CsvCell[][] {
  return items.map((i) => [
    'SkippedItem',
    i.emailAddress,
    i.folder,
    i.date,
    i.subject,
    i.kind,
    i.sizeBytes,
    i.reason,
    null,
  ]);
}

/** Failed mailboxes first, then every skipped item with its reason. */
export function errorsCsv(report: ValidBatchReport): ReportFile {
  return {
    name: FILE_NAMES.errors,
    contentType: CSV_TYPE,
    content: csvBuffer(ERRORS_COLUMNS, [
      ...failedMailboxRows(report),
      ...skippedItemRows(report.skippedItems),
    ]),
  };
}

/** The schema of report.json, for readers (dashboard, CLI, tests) to validate what they load. */
export const reportDocumentSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.enum(REPORT_KINDS),
  generatedAt: z.iso.datetime(),
  batch: batchSchema.required({ counts: true, totals: true }),
  summary: z.object({
    mailboxes: z.number().int().min(0),
    setUp: z.number().int().min(0),
    failed: z.number().int().min(0),
    pending: z.number().int().min(0),
    other: z.number().int().min(0),
  }),
  mailboxes: z.array(mailboxReportSchema),
  skippedItems: z.array(skippedItemSchema),
  /** Present when skippedItems holds only the first items: then errors.csv has all of them. */
  skippedItemsTotal: z.number().int().min(0).optional(),
  links: reportLinksSchema,
  cutover: cutoverReportSchema.optional(),
});
export type ReportDocument = z.output<typeof reportDocumentSchema>;

export function reportJson(
  kind: ReportKind,
  report: ValidBatchReport,
  summary: ReportDocument['summary'],
  generatedAt: Date,
): ReportFile {
  const doc: ReportDocument = {
    schemaVersion: 1,
    kind,
    generatedAt: generatedAt.toISOString(),
    batch: report.batch,
    summary,
    mailboxes: report.mailboxes,
    skippedItems: report.skippedItems,
    ...(report.skippedItemsTotal > report.skippedItems.length
      ? { skippedItemsTotal: report.skippedItemsTotal }
      : {}),
    links: report.links,
    ...(report.cutover ? { cutover: report.cutover } : {}),
  };
  return {
    name: FILE_NAMES.json,
    contentType: JSON_TYPE,
    content: Buffer.from(JSON.stringify(doc, null, 2) + '\n', 'utf8'),
  };
}
