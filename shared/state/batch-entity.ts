import { z } from 'zod';
import type { BatchStatus } from '../domain/statuses';
import { dbl, definedOnly, isoTimestamp, jsonColumn, numberColumn, parseEntity, toJsonColumn } from './codec';
import { stateError } from './errors';
import { BATCHES_PARTITION, BATCH_ID_PATTERN, batchRowKey } from './keys';
import { TABLE_NAMES } from './limits';
import { batchOptionsSchema, batchStatusSchema, type Batch, type BatchPatch } from './model';

/** How a batch row is stored as a Table entity and read back (parsed: a bad row is named, not crashed on). */
export const BATCHES_TABLE = TABLE_NAMES.batches;
const TABLE = BATCHES_TABLE;

/** The batch row itself: everything but the counts, which live with the mailboxes (see counts.ts). */
export type BatchRow = Omit<Batch, 'counts' | 'totalMailboxes'>;
export interface StoredRow {
  row: BatchRow;
  etag: string;
  /** Which generation of validation-error chunks is current, and how many chunks it has. */
  errorGeneration: number;
  errorChunks: number;
}

const batchEntitySchema = z.object({
  etag: z.string(),
  id: z.string().regex(BATCH_ID_PATTERN),
  name: z.string().min(1),
  status: batchStatusSchema,
  sourceEndpoint: z.string().min(1),
  target: z.string().min(1),
  options: jsonColumn(batchOptionsSchema),
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
  startedAt: isoTimestamp.optional(),
  lastSyncedAt: isoTimestamp.optional(),
  completedAt: isoTimestamp.optional(),
  lastErrorCode: z.string().optional(),
  lastErrorMessage: z.string().optional(),
  validationErrorCount: numberColumn.default(0),
  validationErrorGeneration: numberColumn.default(0),
  validationErrorChunks: numberColumn.default(0),
  csvBlob: z.string().optional(),
});

export function toEntity(s: Omit<StoredRow, 'etag'>) {
  const { row } = s;
  return definedOnly({
    partitionKey: BATCHES_PARTITION,
    rowKey: batchRowKey(row.id),
    id: row.id,
    name: row.name,
    status: row.status,
    sourceEndpoint: row.sourceEndpoint,
    target: row.target,
    options: toJsonColumn(row.options, 'options', 'BATCH_INVALID'),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    lastSyncedAt: row.lastSyncedAt,
    completedAt: row.completedAt,
    lastErrorCode: row.lastError?.code,
    lastErrorMessage: row.lastError?.message,
    validationErrorCount: dbl(row.validationErrorCount),
    validationErrorGeneration: dbl(s.errorGeneration),
    validationErrorChunks: dbl(s.errorChunks),
    csvBlob: row.csvBlob,
  });
}

export function fromEntity(raw: unknown, rowKey: string): StoredRow {
  const e = parseEntity(batchEntitySchema, raw, { table: TABLE, partitionKey: BATCHES_PARTITION, rowKey });
  const lastError = e.lastErrorCode
    ? { code: e.lastErrorCode, message: e.lastErrorMessage ?? '' }
    : undefined;
  return {
    etag: e.etag,
    errorGeneration: e.validationErrorGeneration,
    errorChunks: e.validationErrorChunks,
    row: definedOnly({
      id: e.id,
      name: e.name,
      status: e.status,
      sourceEndpoint: e.sourceEndpoint,
      target: e.target,
      options: e.options,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      startedAt: e.startedAt,
      lastSyncedAt: e.lastSyncedAt,
      completedAt: e.completedAt,
      lastError,
      validationErrorCount: e.validationErrorCount,
      csvBlob: e.csvBlob,
    }),
  };
}

export function notFound(id: string) {
  return stateError(
    'BATCH_NOT_FOUND',
    `There is no batch with id "${id}". List batches with GET /api/batches.`,
    {
      batchId: id,
    },
  );
}

export function invalid(field: string, message: string) {
  return stateError('BATCH_INVALID', `Batch field ${field} ${message}.`, { field });
}

/** Timestamps a status change implies; set here so every path that moves a batch records them alike. */
export function timestampsFor(current: BatchRow, to: BatchStatus, now: string): BatchPatch {
  switch (to) {
    case 'Starting':
      return current.startedAt ? {} : { startedAt: now };
    case 'Synced':
    case 'SyncedWithErrors':
      return { lastSyncedAt: now };
    case 'Completed':
    case 'CompletedWithErrors':
      return { completedAt: now };
    default:
      return {};
  }
}
