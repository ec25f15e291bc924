import type { MailboxStatus } from '../domain/statuses';

/**
 * The reports of a batch (docs/architecture.md, "A batch through the code"): a status mail after
 * provisioning, the final report when the initial sync is done, an incremental report after each
 * incremental pass (kept with the batch, not mailed), and the completion report.
 */
export const REPORT_KINDS = ['status', 'final', 'incremental', 'completion'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/**
 * Mailboxes whose target is set up: provisioning is behind them. The groups below do not overlap:
 * a mailbox that failed after provisioning (IncrementalFailed) counts as failed, not as set up.
 */
export const SET_UP_STATUSES: readonly MailboxStatus[] = [
  'Syncing',
  'Synced',
  'IncrementalSyncing',
  'IncrementalSynced',
  'Completing',
  'Completed',
  'CompletedWithWarnings',
];

/** Mailboxes still waiting for provisioning. */
export const PENDING_STATUSES: readonly MailboxStatus[] = ['Validating', 'Queued', 'Provisioning'];

/** Mailboxes that need the administrator: they go to errors.csv with their error. */
export const FAILED_STATUSES: readonly MailboxStatus[] = ['Failed', 'IncrementalFailed'];

/** Mailboxes being stopped or removed: neither set up for good nor failed. */
export const OTHER_STATUSES: readonly MailboxStatus[] = ['Stopping', 'Stopped', 'Removing'];
