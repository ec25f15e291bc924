import { z } from 'zod';
import type { MailboxStatus } from '../domain/statuses';
import { dbl, definedOnly, isoTimestamp, jsonColumn, numberColumn, parseEntity, toJsonColumn } from './codec';
import { stateError } from './errors';
import { batchIdOfPartition, mailboxPartitionOf, mailboxRowKey } from './keys';
import { TABLE_NAMES } from './limits';
import { mailboxProgressSchema } from './mailbox-progress';
import { mailboxStatusSchema, secretRefSchema, type Mailbox, type MailboxPatch } from './model';
import { MAX_EMAIL_LENGTH } from '../domain/address';

/** How a mailbox is stored as a Table entity and read back (parsed, so a bad row is named, not crashed on). */
export const MAILBOXES_TABLE = TABLE_NAMES.mailboxes;

const mailboxEntitySchema = z.object({
  etag: z.string(),
  partitionKey: z.string(),
  email: z.string().min(3).max(MAX_EMAIL_LENGTH),
  status: mailboxStatusSchema,
  userName: z.string().optional(),
  userRoot: z.string().optional(),
  passwordRef: secretRefSchema.optional(),
  forceChangePassword: z.boolean().optional(),
  passwordAppliedAt: isoTimestamp.optional(),
  itemsSynced: numberColumn.default(0),
  itemsSkipped: numberColumn.default(0),
  bytesSynced: numberColumn.default(0),
  contactsSynced: numberColumn.optional(),
  eventsSynced: numberColumn.optional(),
  pimSkipped: numberColumn.optional(),
  pimNote: z.string().optional(),
  ratePerMinute: numberColumn.optional(),
  bytesPerMinute: numberColumn.optional(),
  syncDurationMs: numberColumn.default(0),
  queuedAt: isoTimestamp.optional(),
  syncStartedAt: isoTimestamp.optional(),
  syncedAt: isoTimestamp.optional(),
  lastSuccessfulSync: isoTimestamp.optional(),
  completedAt: isoTimestamp.optional(),
  lastErrorCode: z.string().optional(),
  lastErrorMessage: z.string().optional(),
  notCarried: jsonColumn(z.record(z.string(), z.number().int().nonnegative())).optional(),
  // Display only: a progress value that does not parse is dropped, never makes the row unreadable.
  progress: jsonColumn(mailboxProgressSchema).optional().catch(undefined),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
});

const num = (n: number | undefined) => (n === undefined ? undefined : dbl(n));

export function toEntity(m: Mailbox) {
  return definedOnly({
    partitionKey: mailboxPartitionOf(m.batchId, m.email),
    rowKey: mailboxRowKey(m.email),
    email: m.email,
    status: m.status,
    userName: m.userName,
    userRoot: m.userRoot,
    passwordRef: m.passwordRef,
    forceChangePassword: m.forceChangePassword,
    passwordAppliedAt: m.passwordAppliedAt,
    itemsSynced: dbl(m.itemsSynced),
    itemsSkipped: dbl(m.itemsSkipped),
    bytesSynced: dbl(m.bytesSynced),
    contactsSynced: num(m.contactsSynced),
    eventsSynced: num(m.eventsSynced),
    pimSkipped: num(m.pimSkipped),
    pimNote: m.pimNote,
    ratePerMinute: num(m.ratePerMinute),
    bytesPerMinute: num(m.bytesPerMinute),
    syncDurationMs: dbl(m.syncDurationMs),
    queuedAt: m.queuedAt,
    syncStartedAt: m.syncStartedAt,
    syncedAt: m.syncedAt,
    lastSuccessfulSync: m.lastSuccessfulSync,
    completedAt: m.completedAt,
    lastErrorCode: m.lastError?.code,
    lastErrorMessage: m.lastError?.message,
    notCarried: m.notCarried ? toJsonColumn(m.notCarried, 'notCarried', 'MAILBOX_INVALID') : undefined,
    progress: m.progress ? toJsonColumn(m.progress, 'progress', 'MAILBOX_INVALID') : undefined,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  });
}

export function fromEntity(raw: { partitionKey?: unknown; rowKey?: unknown }): {
  mailbox: Mailbox;
  etag: string;
} {
  const where = {
    table: MAILBOXES_TABLE,
    partitionKey: String(raw.partitionKey),
    rowKey: String(raw.rowKey),
  };
  const { etag, partitionKey, lastErrorCode, lastErrorMessage, ...rest } = parseEntity(
    mailboxEntitySchema,
    raw,
    where,
  );
  const lastError = lastErrorCode ? { code: lastErrorCode, message: lastErrorMessage ?? '' } : undefined;
  const batchId = batchIdOfPartition(partitionKey);
  if (!batchId) {
    throw stateError(
      'STATE_CORRUPT_ENTITY',
      `Row ${where.rowKey} is in partition ${partitionKey}, which is no batch's.`,
      where,
    );
  }
  return { etag, mailbox: definedOnly({ batchId, ...rest, lastError }) };
}

/** Timestamps a mailbox status change implies (the per-mailbox statistics the reports show). */
export function timestampsFor(to: MailboxStatus, now: string): MailboxPatch {
  switch (to) {
    case 'Queued':
      return { queuedAt: now };
    case 'Syncing':
    case 'IncrementalSyncing':
      return { syncStartedAt: now };
    case 'Synced':
    case 'IncrementalSynced':
      return { syncedAt: now, lastSuccessfulSync: now };
    case 'Completed':
    case 'CompletedWithWarnings':
      return { completedAt: now };
    default:
      return {};
  }
}
