import type { Services } from '../app/services';
import {
  FILE_NAMES,
  buildReport,
  deliverReport,
  reportsContainer,
  smtpTransport,
  type ReportKind,
  type ReportTransport,
} from '../report';
import type { Mailbox } from '../state';
import type { BatchRunInput, ReportInput } from '../workflow/names';
import { graphReportTransport } from '../graph';
import { graphFor } from './microsoft365';
import { skippedItemsOf } from './skipped';
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

/** Builds the batch report from state and delivers it: always to blob storage, by mail when configured. */
export async function writeBatchReport(svc: Services, input: ReportInput): Promise<{ blobs: string[] }> {
  const batch = await svc.state.batches.get(input.batchId);
  const mailboxes: Mailbox[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await svc.state.mailboxes.list(batch.id, { continuationToken, pageSize: 1000 });
    mailboxes.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);

  const skippedItems = [];
  for (const m of mailboxes.filter((x) => x.itemsSkipped > 0)) {
    for (const item of await skippedItemsOf(svc, batch.id, m.email)) {
      skippedItems.push({
        emailAddress: m.email,
        folder: item.folder,
        date: item.date || undefined,
        subject: item.subject,
        kind: item.kind,
        sizeBytes: item.size,
        reason: item.reason,
      });
    }
  }
  const kind = input.kind ?? KIND_FOR_MODE[input.mode];
  const dashboard = `${svc.settings.report.dashboardUrl}#/batches/${encodeURIComponent(batch.id)}`;
  // Contacts and calendar items left out (or only partly migrated), each with its reason.
  for (const m of mailboxes.filter((x) => (x.pimSkipped ?? 0) > 0 || x.contactsSynced || x.eventsSynced)) {
    for (const item of await pimSkippedOf(svc, batch.id, m.email)) skippedItems.push(item);
  }
  // Completion carries the cutover pack and DNS findings that writeCutoverPack stored just before;
  // the status mail says where forwarding stands.
  const cutover = await cutoverForReport(svc, batch, kind);
  const report = buildReport(kind, {
    cutover: cutover?.summary,
    extraFiles: cutover?.files,
    batch: {
      id: batch.id,
      name: batch.name,
      status: batch.status,
      createdAt: batch.createdAt,
      startedAt: batch.startedAt,
      lastSyncedAt: batch.lastSyncedAt,
      completedAt: batch.completedAt,
    },
    mailboxes: mailboxes.map((m) => ({
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
    })),
    skippedItems,
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
  });
  const transports: ReportTransport[] = [];
  const sender = svc.settings.report.sender;
  if (sender && svc.settings.m365) transports.push(graphReportTransport(graphFor(svc), sender));
  if (sender && svc.settings.smtp) transports.push(smtpTransport({ ...svc.settings.smtp, from: sender }));
  const recipients = NOT_MAILED.has(kind)
    ? []
    : [...new Set([...svc.settings.report.recipients, ...batch.options.notificationEmails])];
  const result = await deliverReport({ report, blob: reportsContainer(svc.storage), recipients, transports });
  // After a copy pass, each folder counted on both sides now (reconciliation.csv beside the report).
  if (kind !== 'status') result.blobs.push(await writeReconciliationReport(svc, batch.id, kind, mailboxes));
  return { blobs: result.blobs };
}
