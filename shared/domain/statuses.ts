/**
 * Batch and mailbox status names, exactly as Exchange Online's staged migration shows them.
 * The dashboard, the API and the reports all show these strings.
 */
export const BATCH_STATUSES = [
  'Created',
  'Starting',
  'Syncing',
  'IncrementalSyncing',
  'Synced',
  'SyncedWithErrors',
  'Completing',
  'Completed',
  'CompletedWithErrors',
  'Stopping',
  'Stopped',
  'Failed',
  'Removing',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const MAILBOX_STATUSES = [
  'Validating',
  'Queued',
  'Provisioning',
  'Syncing',
  'Synced',
  'IncrementalSyncing',
  'IncrementalSynced',
  'IncrementalFailed',
  'Completing',
  'Completed',
  'CompletedWithWarnings',
  'Failed',
  'Stopping',
  'Stopped',
  'Removing',
] as const;
export type MailboxStatus = (typeof MAILBOX_STATUSES)[number];
