import { MAILBOX_STATUSES, type MailboxStatus } from '../domain/statuses';
import { FAILED_STATUSES, OTHER_STATUSES, PENDING_STATUSES, SET_UP_STATUSES, type ReportKind } from './kinds';
import type { MailboxCounts, MailboxReport, ValidBatchReport } from './input';

/** The headline numbers of a report: how many mailboxes are set up, failed, pending, other. */
export interface ReportSummary {
  mailboxes: number;
  setUp: number;
  failed: number;
  pending: number;
  other: number;
  itemsSynced: number;
  itemsSkipped: number;
  bytesSynced: number;
  /** Mailboxes per status, in the order of MAILBOX_STATUSES, statuses with none left out. */
  byStatus: { status: MailboxStatus; count: number }[];
}

function sum(counts: MailboxCounts, statuses: readonly MailboxStatus[]): number {
  return statuses.reduce((n, s) => n + (counts[s] ?? 0), 0);
}

export function summarise(report: ValidBatchReport, kind?: ReportKind): ReportSummary {
  const { counts, totals } = report.batch;
  // The status mail goes out when provisioning has ended: a mailbox still marked Provisioning then
  // has been provisioned and waits for its copy.
  const provisioned: readonly MailboxStatus[] = kind === 'status' ? ['Provisioning'] : [];
  return {
    mailboxes: totals.mailboxes,
    setUp: sum(counts, [...SET_UP_STATUSES, ...provisioned]),
    failed: sum(counts, FAILED_STATUSES),
    pending: sum(
      counts,
      PENDING_STATUSES.filter((st) => !provisioned.includes(st)),
    ),
    other: sum(counts, OTHER_STATUSES),
    itemsSynced: totals.itemsSynced,
    itemsSkipped: totals.itemsSkipped,
    bytesSynced: totals.bytesSynced,
    byStatus: MAILBOX_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => ({
      status: s,
      count: counts[s] ?? 0,
    })),
  };
}

/** A mailbox the administrator has to look at: a failed status or an error recorded. */
export function needsAttention(m: MailboxReport): boolean {
  return FAILED_STATUSES.includes(m.status) || m.error !== null;
}
