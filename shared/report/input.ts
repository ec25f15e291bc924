import { z } from 'zod';
import { BATCH_STATUSES, MAILBOX_STATUSES, type MailboxStatus } from '../domain/statuses';
import { CodedError, type ProblemDetail } from '../domain/errors';
import { REPORT_LIMITS } from './limits';
import { cutoverReportSchema } from './cutover';

/**
 * The snapshot a report is built from, validated with zod so that a report only ever shows checked
 * data. Unknown keys are dropped (zod's default), so a caller that passes a whole state row cannot
 * leak a password or a message body into a report. Text from mail (subjects, folders, addresses)
 * is hostile: it is kept as is here and escaped by each output format.
 */

const ELLIPSIS = '…';

/** Cuts long text instead of rejecting it: one absurd subject must not cost the administrator a report. */
function cut(value: string): string {
  return value.length > REPORT_LIMITS.maxTextChars
    ? value.slice(0, REPORT_LIMITS.maxTextChars - 1) + ELLIPSIS
    : value;
}

const text = z.string().transform(cut);
const requiredText = z.string().min(1, 'must not be empty').transform(cut);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const rate = z.number().min(0).finite();

/** State rows carry `Date`s, JSON carries ISO strings: accept both, keep ISO 8601 UTC. */
const timestamp = z
  .union([z.date(), z.iso.datetime({ offset: true })])
  .transform((v) => (v instanceof Date ? v : new Date(v)).toISOString());
const optionalTimestamp = timestamp.nullable().default(null);

/** Blob names are built from the id (`reports/{batchId}/...`): no slashes, no dots, no surprises. */
const batchId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/,
    'must be 1-128 letters, digits, "-" or "_", starting with a letter or digit',
  );

const problem = z.object({ code: requiredText, message: text });

export const mailboxCountsSchema = z.partialRecord(z.enum(MAILBOX_STATUSES), count);

export const totalsSchema = z.object({
  mailboxes: count,
  itemsSynced: count,
  itemsSkipped: count,
  bytesSynced: count,
});

export const batchSchema = z.object({
  id: batchId,
  name: requiredText,
  status: z.enum(BATCH_STATUSES),
  createdAt: timestamp,
  startedAt: optionalTimestamp,
  lastSyncedAt: optionalTimestamp,
  completedAt: optionalTimestamp,
  /** Mailboxes per status for the whole batch; derived from `mailboxes` when omitted. */
  counts: mailboxCountsSchema.optional(),
  /** Batch totals; derived from `mailboxes` when omitted. */
  totals: totalsSchema.optional(),
});

export const mailboxReportSchema = z.object({
  emailAddress: requiredText,
  status: z.enum(MAILBOX_STATUSES),
  itemsSynced: count,
  itemsSkipped: count,
  bytesSynced: count,
  /** Migration rate; when null the report derives it from the total and the duration. */
  itemsPerMinute: rate.nullable().default(null),
  bytesPerMinute: rate.nullable().default(null),
  durationSeconds: z.number().min(0).finite().nullable().default(null),
  lastSuccessfulSync: optionalTimestamp,
  error: problem.nullable().default(null),
  /** Graph mail only: messages that lost something, per kind of loss. */
  notCarried: z.record(text, count).default({}),
  /** Contacts and calendar events among itemsSynced (null: the run did not count them). */
  contacts: count.nullable().default(null),
  events: count.nullable().default(null),
  /** Why contacts and calendars were not migrated at all, e.g. "not migrated: the target is IMAP". */
  pimNote: text.nullable().default(null),
});

export const skippedItemSchema = z.object({
  emailAddress: requiredText,
  folder: text,
  /** The item's own date (received or sent), when the source gave one. */
  date: optionalTimestamp,
  subject: text,
  /** What the item is: message, contact, event, folder... */
  kind: requiredText,
  sizeBytes: count.nullable().default(null),
  reason: requiredText,
});

/** Only http(s) links: a `javascript:` URL in a report mail would be a trap for its reader. */
const link = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

export const reportLinksSchema = z.object({
  dashboardUrl: link.nullable().default(null),
  files: z
    .array(z.object({ name: requiredText, url: link }))
    .max(20)
    .default([]),
});

export const batchReportInputSchema = z
  .object({
    batch: batchSchema,
    mailboxes: z.array(mailboxReportSchema).max(REPORT_LIMITS.maxMailboxes),
    skippedItems: z.array(skippedItemSchema).max(REPORT_LIMITS.maxSkippedItems).default([]),
    /**
     * How many skipped items there are when `skippedItems` is only the first of them (a large batch's
     * errors.csv is then streamed from state, see build.ts); the item count by default.
     */
    skippedItemsTotal: count.optional(),
    links: reportLinksSchema.default({ dashboardUrl: null, files: [] }),
    /** Completion only: forwarding and DNS readiness. */
    cutover: cutoverReportSchema.optional(),
    /** More files of the report (the completion's cutover pack), after the standard ones. */
    extraFiles: z
      .array(
        z.object({
          name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'must be a plain file name'),
          contentType: z.string().min(1).max(200),
          content: z.instanceof(Buffer),
        }),
      )
      .max(REPORT_LIMITS.maxExtraFiles)
      .default([]),
  })
  .transform(({ batch, mailboxes, skippedItems, skippedItemsTotal, links, cutover, extraFiles }) => ({
    cutover,
    extraFiles,
    batch: {
      ...batch,
      counts: batch.counts ?? countByStatus(mailboxes),
      totals: batch.totals ?? totalsOf(mailboxes),
    },
    mailboxes,
    skippedItems,
    skippedItemsTotal: Math.max(skippedItemsTotal ?? 0, skippedItems.length),
    links,
  }));

/** What callers hand in (optional fields may be left out, timestamps may be `Date`s). */
export type BatchReportInput = z.input<typeof batchReportInputSchema>;
/** What a report is built from: validated, defaults filled, timestamps as ISO strings. */
export type ValidBatchReport = z.output<typeof batchReportInputSchema>;
export type MailboxReport = ValidBatchReport['mailboxes'][number];
export type SkippedItemReport = ValidBatchReport['skippedItems'][number];
export type BatchTotals = z.output<typeof totalsSchema>;
export type MailboxCounts = z.output<typeof mailboxCountsSchema>;

export function countByStatus(mailboxes: readonly { status: MailboxStatus }[]): MailboxCounts {
  const counts: MailboxCounts = {};
  for (const m of mailboxes) counts[m.status] = (counts[m.status] ?? 0) + 1;
  return counts;
}

export function totalsOf(
  mailboxes: readonly { itemsSynced: number; itemsSkipped: number; bytesSynced: number }[],
): BatchTotals {
  const totals: BatchTotals = {
    mailboxes: mailboxes.length,
    itemsSynced: 0,
    itemsSkipped: 0,
    bytesSynced: 0,
  };
  for (const m of mailboxes) {
    totals.itemsSynced += m.itemsSynced;
    totals.itemsSkipped += m.itemsSkipped;
    totals.bytesSynced += m.bytesSynced;
  }
  return totals;
}

/** Turns zod issues into problems that name the field and say what to fix. */
export function problemsFrom(error: z.ZodError, code: string): ProblemDetail[] {
  return error.issues.slice(0, 20).map((issue) => {
    const field = fieldPath(issue.path);
    return { code, field, message: `${field || 'input'}: ${issue.message}` };
  });
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/**
 * Validates a report snapshot. Bad input throws a CodedError `REPORT_INVALID_INPUT` whose
 * `problems` name each field (e.g. `mailboxes[3].status`) and what is wrong with it.
 */
export function parseReportInput(value: unknown): ValidBatchReport {
  const result = batchReportInputSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = problemsFrom(result.error, 'REPORT_INVALID_FIELD');
  throw new CodedError(
    'REPORT_INVALID_INPUT',
    `The report snapshot is not valid (${problems.length} problem(s)); first: ${problems[0]?.message ?? 'unknown'}. Fix the batch state it was read from.`,
    { problems },
  );
}
