/** Bounds of the per-folder reconciliation. */

/** Mailboxes reconciled at once when a report covers a whole batch (two logins each). */
export const RECONCILE_CONCURRENCY = 4;
