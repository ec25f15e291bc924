import pLimit from 'p-limit';
import type { Services } from '../app/services';
import { csvBuffer, type CsvCell } from '../report/csv';
import { reportsContainer } from '../report/deliver';
import type { Mailbox } from '../state';
import { RECONCILE_CONCURRENCY } from './limits';
import { reconcileMailbox, type MailboxReconciliation } from './reconcile';

/** The reconciliation report's file name, beside a run's other report files. */
export const RECONCILIATION_FILE = 'reconciliation.csv';

const FIELDS = [
  'EmailAddress',
  'Folder',
  'TargetFolder',
  'SourceItems',
  'SourceBytes',
  'TargetItems',
  'TargetBytes',
  'Copied',
  'Skipped',
  'SkippedReasons',
  'Verdict',
  'CheckedAt',
] as const;

/**
 * Reconciles every mailbox that copied mail and writes `{batchId}/{kind}/reconciliation.csv`, one
 * row per mailbox and folder. A mailbox whose side cannot be read now (a login refused, a server
 * down) gets one row saying so with its error code instead of failing the whole report.
 */
export async function writeReconciliationReport(
  svc: Services,
  batchId: string,
  kind: string,
  mailboxes: readonly Mailbox[],
): Promise<string> {
  const limit = pLimit(RECONCILE_CONCURRENCY);
  const copied = mailboxes.filter((m) => m.itemsSynced > 0 || m.itemsSkipped > 0 || m.progress);
  const rows = await Promise.all(copied.map((m) => limit(() => rowsOf(svc, batchId, m))));
  const name = `${batchId}/${kind}/${RECONCILIATION_FILE}`;
  const body = csvBuffer(FIELDS, rows.flat());
  await reportsContainer(svc.storage).createIfNotExists();
  await reportsContainer(svc.storage)
    .getBlockBlobClient(name)
    .uploadData(body, { blobHTTPHeaders: { blobContentType: 'text/csv; charset=utf-8' } });
  return name;
}

async function rowsOf(svc: Services, batchId: string, m: Mailbox): Promise<CsvCell[][]> {
  let result: MailboxReconciliation;
  try {
    result = await reconcileMailbox(svc, batchId, m.email);
  } catch (e) {
    const why = `not checked: ${codeOf(e) ?? 'the mailbox could not be read'}`;
    const now = new Date().toISOString();
    return [[m.email, '', '', null, null, null, null, m.itemsSynced, m.itemsSkipped, '', why, now]];
  }
  return result.folders.map((f) => [
    result.email,
    f.folder,
    f.targetFolder,
    f.sourceItems,
    f.sourceBytes,
    f.targetItems,
    f.targetBytes,
    f.copied,
    f.skipped,
    f.skippedReasons.map((r) => `${r.reason}: ${r.count}`).join('; '),
    f.verdictText,
    result.checkedAt,
  ]);
}

/** The error's code when it has one (coded and mail errors do); never its stack. */
function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code) ? code : undefined;
}
