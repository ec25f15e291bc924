import type { Services } from '../app/services';
import {
  FILE_NAMES,
  REPORT_LIMITS,
  buildReport,
  deliverReport,
  reportsContainer,
  smtpTransport,
  type BatchReportInput,
  type ReportKind,
  type ReportTransport,
  type SkippedItemSource,
} from '../report';
import type { Batch, Mailbox } from '../state';
import type { BatchRunInput, ReportInput } from '../workflow/names';
import { graphReportTransport } from '../graph';
import { graphFor } from './microsoft365';
import { skippedItemPages } from './skipped';
import { cutoverForReport } from '../cutover/completion';
import { pimSkippedOf } from '../pim/skipped';
import { writeReconciliationReport } from '../reconcile/report';

/** The files every report writes beside its mail body (report.html). */
const REPORT_FILE_NAMES = ['report.html', FILE_NAMES.statistics, FILE_NAMES.errors, FILE_NAMES.json];

/** The report each kind of run ends with (a status mail after provisioning, a final report after the first copy, a completion report). */
const KIND_FOR_MODE: Record<BatchRunInput['mode'], ReportKind> = {
  initial: 'final',
  incremental: 'incremental',
  final: 'completion',
};

/** Kinds that are kept with the batch (dashboard, API) but not mailed: a daily pass is no news. */
const NOT_MAILED: ReadonlySet<ReportKind> = new Set(['incremental']);

type SkippedRow = NonNullable<BatchReportInput['skippedItems']>[number];

/** Builds the batch report from state and delivers it: always to blob storage, by mail when configured. */
export async function writeBatchReport(svc: Services, input: ReportInput): Promise<{ blobs: string[] }> {
  const batch = await svc.state.batches.get(input.batchId);
  const mailboxes = await allMailboxes(svc, batch.id);
  const kind = input.kind ?? KIND_FOR_MODE[input.mode];
  const dashboard = `${svc.settings.report.dashboardUrl}#/batches/${encodeURIComponent(batch.id)}`;
  // A batch with many skipped items: the report holds the first of them, errors.csv streams them all.
  const source = skippedSource(svc, batch.id, mailboxes);
  const skippedItems = source ? await firstItems(source, REPORT_LIMITS.bodyMaxSkippedRows) : [];
  if (!source) for await (const page of skippedPages(svc, batch.id, mailboxes)) skippedItems.push(...page);
  // Completion carries the cutover pack and DNS findings that writeCutoverPack stored just before;
  // the status mail says where forwarding stands.
  const cutover = await cutoverForReport(svc, batch, kind);
  const reportInput: BatchReportInput = {
    cutover: cutover?.summary,
    extraFiles: cutover?.files,
    batch: batchFacts(batch),
    mailboxes: mailboxes.map(mailboxFacts),
    skippedItems,
    ...(source ? { skippedItemsTotal: source.total } : {}),
    // Each file opens on the dashboard (which holds the key); the mail may also carry them attached.
    links: svc.settings.report.dashboardUrl
      ? {
          dashboardUrl: dashboard,
          files: REPORT_FILE_NAMES.map((file) => ({
            name: file,
            url: `${dashboard}/reports/${kind}/${file}`,
          })),
        }
      : { dashboardUrl: null, files: [] },
  };
  const report = buildReport(kind, reportInput, source ? { skipped: source } : {});
  const recipients = NOT_MAILED.has(kind)
    ? []
    : [...new Set([...svc.settings.report.recipients, ...batch.options.notificationEmails])];
  const transports = reportTransports(svc);
  // After a copy pass, each folder counted on both sides now (reconciliation.csv beside the report),
  // while the report is written: the two do not depend on each other, and the count logs in to both
  // servers, which is most of this step's time.
  const [result, reconciliation] = await Promise.all([
    deliverReport({ report, blob: reportsContainer(svc.storage), recipients, transports }),
    kind !== 'status' ? writeReconciliationReport(svc, batch.id, kind, mailboxes) : undefined,
  ]);
  return { blobs: reconciliation ? [...result.blobs, reconciliation] : result.blobs };
}

async function allMailboxes(svc: Services, batchId: string): Promise<Mailbox[]> {
  const mailboxes: Mailbox[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await svc.state.mailboxes.list(batchId, { continuationToken, pageSize: 1000 });
    mailboxes.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return mailboxes;
}

/** Over REPORT_LIMITS.streamSkippedAbove skipped items (the mailboxes' counters): read them as a stream. */
function skippedSource(
  svc: Services,
  batchId: string,
  mailboxes: readonly Mailbox[],
): SkippedItemSource | undefined {
  const total = mailboxes.reduce((n, m) => n + m.itemsSkipped + (m.pimSkipped ?? 0), 0);
  if (total <= REPORT_LIMITS.streamSkippedAbove) return undefined;
  return { total, pages: () => skippedPages(svc, batchId, mailboxes) };
}

/**
 * Every skipped item of the batch, a page at a time: mail items left out (too large, refused), then
 * contacts and calendar items left out or only partly migrated, each with its reason.
 */
async function* skippedPages(
  svc: Services,
  batchId: string,
  mailboxes: readonly Mailbox[],
): AsyncGenerator<SkippedRow[]> {
  for (const m of mailboxes.filter((x) => x.itemsSkipped > 0)) {
    const pages = skippedItemPages(svc, batchId, m.email, REPORT_LIMITS.skippedPageSize);
    for await (const page of pages) {
      yield page.map((item) => ({
        emailAddress: m.email,
        folder: item.folder,
        date: item.date || undefined,
        subject: item.subject,
        kind: item.kind,
        sizeBytes: item.size,
        reason: item.reason,
      }));
    }
  }
  for (const m of mailboxes.filter((x) => (x.pimSkipped ?? 0) > 0 || x.contactsSynced || x.eventsSynced)) {
    const items = await pimSkippedOf(svc, batchId, m.email);
    if (items.length) yield items;
  }
}

async function firstItems(source: SkippedItemSource, n: number): Promise<SkippedRow[]> {
  const out: SkippedRow[] = [];
  for await (const page of source.pages()) {
    out.push(...(page as SkippedRow[]).slice(0, n - out.length));
    if (out.length >= n) break;
  }
  return out;
}

function batchFacts(batch: Batch): BatchReportInput['batch'] {
  return {
    id: batch.id,
    name: batch.name,
    status: batch.status,
    createdAt: batch.createdAt,
    startedAt: batch.startedAt,
    lastSyncedAt: batch.lastSyncedAt,
    completedAt: batch.completedAt,
  };
}

function mailboxFacts(m: Mailbox): BatchReportInput['mailboxes'][number] {
  return {
    emailAddress: m.email,
    status: m.status,
    itemsSynced: m.itemsSynced,
    itemsSkipped: m.itemsSkipped,
    bytesSynced: m.bytesSynced,
    itemsPerMinute: m.ratePerMinute,
    bytesPerMinute: m.bytesPerMinute,
    durationSeconds: Math.round(m.syncDurationMs / 1000),
    lastSuccessfulSync: m.lastSuccessfulSync,
    error: m.lastError,
    notCarried: m.notCarried,
    contacts: m.contactsSynced,
    events: m.eventsSynced,
    pimNote: m.pimNote,
  };
}

function reportTransports(svc: Services): ReportTransport[] {
  const transports: ReportTransport[] = [];
  const sender = svc.settings.report.sender;
  if (sender && svc.settings.m365) transports.push(graphReportTransport(graphFor(svc), sender));
  if (sender && svc.settings.smtp) transports.push(smtpTransport({ ...svc.settings.smtp, from: sender }));
  return transports;
}
