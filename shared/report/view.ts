import { withHint } from '../domain/codes';
import type { MailboxStatus } from '../domain/statuses';
import {
  formatByteRate,
  formatBytes,
  formatBytesExact,
  formatCount,
  formatDuration,
  formatItemRate,
  formatTimestamp,
  perMinute,
} from './format';
import type { ReportKind } from './kinds';
import type { MailboxReport, ValidBatchReport } from './input';
import { REPORT_LIMITS } from './limits';
import { cutoverLines } from './cutover';
import { needsAttention, summarise, type ReportSummary } from './summary';

/**
 * What a report says, already formatted, independent of HTML or plain text. Both bodies render
 * this one view, so they can never disagree. Strings here are raw (unescaped) user text.
 */
export interface ReportView {
  kind: ReportKind;
  subject: string;
  title: string;
  intro: string;
  batchFacts: Fact[];
  figures: Fact[];
  summary: ReportSummary;
  mailboxHeading: string;
  mailboxes: MailboxRow[];
  /** Rows left out of the body (they are in statistics.csv). */
  mailboxesOmitted: number;
  skipped: SkippedRow[];
  skippedOmitted: number;
  links: { label: string; url: string }[];
  fileNames: string[];
  /** Completion: the cutover block (forwarding, DNS), one finding per line. */
  cutover?: string[];
}

export interface Fact {
  label: string;
  value: string;
}

export interface MailboxRow {
  emailAddress: string;
  status: MailboxStatus;
  itemsSynced: string;
  itemsSkipped: string;
  bytes: string;
  rate: string;
  duration: string;
  lastSync: string;
  error: string;
  /** What Graph mail could not carry, "kind ×n, ..." ('' when nothing was lost). */
  notCarried: string;
  /** Items by kind (mail, contacts, events), or why contacts and calendars were not migrated. */
  byKind: string;
}

export interface SkippedRow {
  emailAddress: string;
  folder: string;
  date: string;
  subject: string;
  kind: string;
  size: string;
  reason: string;
}

/** Control characters (CR, LF, NUL, ...) in a mail subject would break or inject headers. */
function headerSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** "1 mailbox", "2 mailboxes". */
function mailboxes(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'mailbox' : 'mailboxes'}`;
}

function titleAndIntro(kind: ReportKind, name: string, s: ReportSummary): [string, string] {
  switch (kind) {
    case 'status':
      return [
        `Batch ${name}: provisioning finished`,
        `${formatCount(s.setUp)} of ${mailboxes(s.mailboxes)} set up, ${formatCount(s.failed)} failed. ` +
          `The initial sync is running; a final report follows when it is done.`,
      ];
    case 'final':
      return [
        `Batch ${name}: initial sync done`,
        `The initial sync of ${mailboxes(s.mailboxes)} is done: ${formatCount(s.itemsSynced)} items copied, ` +
          `${formatCount(s.itemsSkipped)} skipped, ${mailboxes(s.failed)} failed. ` +
          `Incremental syncs keep the mailboxes current until the batch is completed.`,
      ];
    case 'incremental':
      return [
        `Batch ${name}: incremental sync done`,
        `An incremental sync of ${mailboxes(s.mailboxes)} is done: ${formatCount(s.itemsSynced)} items copied in all, ` +
          `${formatCount(s.itemsSkipped)} skipped, ${mailboxes(s.failed)} failed.`,
      ];
    case 'completion':
      return [
        `Batch ${name}: completed`,
        `The batch is complete: ${formatCount(s.itemsSynced)} items copied to ${mailboxes(s.mailboxes)}, ` +
          `${formatCount(s.itemsSkipped)} skipped, ${mailboxes(s.failed)} failed.`,
      ];
  }
}

function subjectFor(kind: ReportKind, name: string, status: string, s: ReportSummary): string {
  const what =
    kind === 'status'
      ? `provisioned, ${s.setUp} set up, ${s.failed} failed`
      : kind === 'final'
        ? `initial sync done (${status}), ${s.failed} failed`
        : kind === 'incremental'
          ? `incremental sync done (${status}), ${s.failed} failed`
          : `completed (${status}), ${s.failed} failed`;
  return headerSafe(`mailferry: batch ${name} ${what}`);
}

/** Code, what happened and what to do, in one line (the registry's hint for known codes). */
function errorLine(error: { code: string; message: string }): string {
  const { hint } = withHint(error);
  return `${error.code}: ${error.message}${hint ? ` What to do: ${hint}` : ''}`;
}

/** "keywords ×3, forwarded state ×1": what Graph mail lost, most frequent first. */
function formatNotCarried(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb))
    .map(([k, n]) => `${k} ×${formatCount(n)}`)
    .join(', ');
}

function mailboxRow(m: MailboxReport): MailboxRow {
  const itemRate = m.itemsPerMinute ?? perMinute(m.itemsSynced, m.durationSeconds);
  const byteRate = m.bytesPerMinute ?? perMinute(m.bytesSynced, m.durationSeconds);
  return {
    emailAddress: m.emailAddress,
    status: m.status,
    itemsSynced: formatCount(m.itemsSynced),
    itemsSkipped: formatCount(m.itemsSkipped),
    bytes: formatBytesExact(m.bytesSynced),
    rate:
      itemRate === null && byteRate === null
        ? '—'
        : `${formatItemRate(itemRate)}, ${formatByteRate(byteRate)}`,
    duration: formatDuration(m.durationSeconds),
    lastSync: formatTimestamp(m.lastSuccessfulSync),
    byKind: byKind(m),
    error: m.error ? errorLine(m.error) : '',
    notCarried: formatNotCarried(m.notCarried),
  };
}

/** Failed mailboxes first (they need the reader), then by address, so the cut keeps what matters. */
function attentionFirst(a: MailboxReport, b: MailboxReport): number {
  const byAttention = Number(needsAttention(b)) - Number(needsAttention(a));
  return byAttention || a.emailAddress.localeCompare(b.emailAddress);
}

export function buildView(kind: ReportKind, report: ValidBatchReport, fileNames: string[]): ReportView {
  const { batch } = report;
  const s = summarise(report, kind);
  const [title, intro] = titleAndIntro(kind, batch.name, s);
  // The status mail is about provisioning: it lists only the mailboxes that need attention.
  const listed = (kind === 'status' ? report.mailboxes.filter(needsAttention) : [...report.mailboxes]).sort(
    attentionFirst,
  );
  const shown = listed.slice(0, REPORT_LIMITS.bodyMaxMailboxRows);
  const skippedShown = report.skippedItems.slice(0, REPORT_LIMITS.bodyMaxSkippedRows);
  const links = [
    ...(report.links.dashboardUrl ? [{ label: 'Dashboard', url: report.links.dashboardUrl }] : []),
    ...report.links.files.map((f) => ({ label: f.name, url: f.url })),
  ];
  return {
    kind,
    subject: subjectFor(kind, batch.name, batch.status, s),
    title,
    intro,
    batchFacts: [
      { label: 'Batch', value: `${batch.name} (${batch.id})` },
      { label: 'Status', value: batch.status },
      { label: 'Created', value: formatTimestamp(batch.createdAt) },
      { label: 'Started', value: formatTimestamp(batch.startedAt) },
      { label: 'Last synced', value: formatTimestamp(batch.lastSyncedAt) },
      { label: 'Completed', value: formatTimestamp(batch.completedAt) },
    ],
    figures: [
      { label: 'Mailboxes', value: formatCount(s.mailboxes) },
      { label: 'Set up', value: formatCount(s.setUp) },
      { label: 'Failed', value: formatCount(s.failed) },
      { label: 'Pending', value: formatCount(s.pending) },
      ...(s.other ? [{ label: 'Stopped or removing', value: formatCount(s.other) }] : []),
      { label: 'Items synced', value: formatCount(s.itemsSynced) },
      { label: 'Items skipped', value: formatCount(s.itemsSkipped) },
      { label: 'Data migrated', value: formatBytesExact(s.bytesSynced) },
    ],
    summary: s,
    mailboxHeading: kind === 'status' ? 'Mailboxes that failed' : 'Mailboxes',
    mailboxes: shown.map(mailboxRow),
    mailboxesOmitted: listed.length - shown.length,
    skipped: skippedShown.map((i) => ({
      emailAddress: i.emailAddress,
      folder: i.folder,
      date: formatTimestamp(i.date),
      subject: i.subject,
      kind: i.kind,
      size: i.sizeBytes === null ? '—' : formatBytes(i.sizeBytes),
      reason: i.reason,
    })),
    skippedOmitted: report.skippedItemsTotal - skippedShown.length,
    links,
    fileNames,
    ...(report.cutover ? { cutover: cutoverLines(report.cutover) } : {}),
  };
}

/** "mail 120, contacts 30, events 50", plus the reason when contacts and calendars were not migrated. */
function byKind(m: MailboxReport): string {
  if (m.contacts === null && m.events === null && !m.pimNote) return '';
  const pim = (m.contacts ?? 0) + (m.events ?? 0);
  const parts = [`mail ${formatCount(Math.max(m.itemsSynced - pim, 0))}`];
  if (m.contacts !== null) parts.push(`contacts ${formatCount(m.contacts)}`);
  if (m.events !== null) parts.push(`events ${formatCount(m.events)}`);
  if (m.pimNote) parts.push(`contacts and calendars ${m.pimNote}`);
  return parts.join(', ');
}
