import type { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { ProblemDetail } from '../domain/errors';
import type { BatchStatus } from '../domain/statuses';
import { dbl, definedOnly, isoTimestamp, jsonColumn, numberColumn, parseEntity, toJsonColumn } from './codec';
import { readCounts, totalOf } from './counts';
import { httpStatusOf, stateError } from './errors';
import {
  BATCHES_PARTITION,
  BATCH_ID_PATTERN,
  BATCH_ROW_PREFIX,
  batchNameRowKey,
  batchRowKey,
  newBatchId,
  prefixUpperBound,
  validationChunkPrefix,
  validationChunkRowKey,
} from './keys';
import {
  BATCH_LIST_READ_CONCURRENCY,
  MAX_STRING_PROPERTY,
  PARTITION_WRITE_CONCURRENCY,
  TABLE_NAMES,
} from './limits';
import {
  batchNameSchema,
  batchOptionsInputSchema,
  batchOptionsSchema,
  batchStatusSchema,
  endpointNameSchema,
  errorInfoSchema,
  toErrorInfo,
  zeroCounts,
  type Batch,
  type BatchPatch,
  type NewBatch,
} from './model';
import { retryOnConflict } from './optimistic';
import type { StateTables } from './tables';
import {
  BATCH_ACTION_TARGETS,
  allowedActions,
  canTransition,
  illegalTransition,
  type BatchAction,
} from './transitions';

const TABLE = TABLE_NAMES.batches;

/** The batch row itself: everything but the counts, which live with the mailboxes (see counts.ts). */
type BatchRow = Omit<Batch, 'counts' | 'totalMailboxes'>;
interface StoredRow {
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

function toEntity(s: Omit<StoredRow, 'etag'>) {
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

function fromEntity(raw: unknown, rowKey: string): StoredRow {
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

function notFound(id: string) {
  return stateError(
    'BATCH_NOT_FOUND',
    `There is no batch with id "${id}". List batches with GET /api/batches.`,
    {
      batchId: id,
    },
  );
}

function invalid(field: string, message: string) {
  return stateError('BATCH_INVALID', `Batch field ${field} ${message}.`, { field });
}

/** Timestamps a status change implies; set here so every path that moves a batch records them alike. */
function timestampsFor(current: BatchRow, to: BatchStatus, now: string): BatchPatch {
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

/** Splits text into slices that fit one string property, never between the halves of a surrogate pair. */
function sliceText(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + MAX_STRING_PROPERTY);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

export interface BatchRepositoryOptions {
  /** Called each time an ETag conflict forces a re-read (observability and tests). */
  onConflictRetry?: () => void;
}

/**
 * Batches. All batch rows share one partition with their name reservations (`name:<lower name>`),
 * so creating a batch and claiming its name is one transaction: names stay unique ignoring case.
 * CSV validation problems of a batch that failed ingest are stored as JSON text cut into slices
 * (rows `verr:<id>:<generation>:<n>`) in the same partition; a new list is written under a new
 * generation and switched to by one conditional update of the batch row, so readers never see a mix.
 */
export class BatchRepository {
  constructor(
    private readonly tables: StateTables,
    private readonly options: BatchRepositoryOptions = {},
  ) {}

  async create(input: NewBatch): Promise<Batch> {
    const name = batchNameSchema.safeParse(input.name);
    if (!name.success) throw invalid('name', name.error.issues[0]?.message ?? 'is invalid');
    for (const field of ['sourceEndpoint', 'target'] as const) {
      const r = endpointNameSchema.safeParse(input[field]);
      if (!r.success)
        throw invalid(field, `must be an endpoint name (${r.error.issues[0]?.message ?? 'invalid'})`);
    }
    const options = batchOptionsInputSchema.safeParse(input.options ?? {});
    if (!options.success) {
      const issue = options.error.issues[0];
      throw invalid(`options.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'is invalid');
    }
    const status = input.status ?? 'Created';
    if (status !== 'Created' && status !== 'Failed')
      throw invalid('status', 'must be Created or Failed for a new batch');
    const lastError = input.lastError ? errorInfoSchema.parse(toErrorInfo(input.lastError)) : undefined;

    if (input.id !== undefined && !BATCH_ID_PATTERN.test(input.id))
      throw invalid('id', 'must be 4-32 lower-case letters or digits');
    const now = new Date().toISOString();
    const row: BatchRow = definedOnly({
      id: input.id ?? newBatchId(),
      name: name.data,
      status,
      sourceEndpoint: input.sourceEndpoint,
      target: input.target,
      options: options.data,
      createdAt: now,
      updatedAt: now,
      lastError,
      validationErrorCount: 0,
      csvBlob: input.csvBlob,
    });
    const table = await this.table();
    try {
      await table.submitTransaction([
        ['create', { partitionKey: BATCHES_PARTITION, rowKey: batchNameRowKey(row.name), batchId: row.id }],
        ['create', toEntity({ row, errorGeneration: 0, errorChunks: 0 })],
      ]);
    } catch (err) {
      if (httpStatusOf(err) === 409) {
        throw stateError(
          'BATCH_NAME_TAKEN',
          `A batch named "${row.name}" already exists (names ignore case); choose another name.`,
          {
            name: row.name,
          },
        );
      }
      throw err;
    }
    return { ...row, counts: zeroCounts(), totalMailboxes: 0 };
  }

  async find(id: string): Promise<Batch | undefined> {
    if (!BATCH_ID_PATTERN.test(id)) return undefined;
    const [stored, counts] = await Promise.all([
      this.read(id),
      this.mailboxTable().then((t) => readCounts(t, id)),
    ]);
    return stored ? { ...stored.row, counts, totalMailboxes: totalOf(counts) } : undefined;
  }

  async get(id: string): Promise<Batch> {
    const found = await this.find(id);
    if (!found) throw notFound(id);
    return found;
  }

  async findByName(name: string): Promise<Batch | undefined> {
    const table = await this.table();
    try {
      const entity = await table.getEntity<{ batchId?: unknown }>(BATCHES_PARTITION, batchNameRowKey(name));
      return typeof entity.batchId === 'string' ? this.find(entity.batchId) : undefined;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Every batch, newest first, with its counts. */
  async list(): Promise<Batch[]> {
    const table = await this.table();
    const rows: BatchRow[] = [];
    const filter =
      `PartitionKey eq '${BATCHES_PARTITION}' and RowKey ge '${BATCH_ROW_PREFIX}' ` +
      `and RowKey lt '${prefixUpperBound(BATCH_ROW_PREFIX)}'`;
    for await (const raw of table.listEntities({ queryOptions: { filter } })) {
      rows.push(fromEntity(raw, String(raw.rowKey)).row);
    }
    const mailboxTable = await this.mailboxTable();
    const limit = pLimit(BATCH_LIST_READ_CONCURRENCY);
    const batches = await Promise.all(
      rows.map((row) =>
        limit(async () => {
          const counts = await readCounts(mailboxTable, row.id);
          return { ...row, counts, totalMailboxes: totalOf(counts) };
        }),
      ),
    );
    return batches.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.name.localeCompare(b.name));
  }

  /**
   * Reads the batch, asks `change` what to change and writes it If-Match the ETag read; on 412 it
   * reads again and calls `change` again, so `change` must compute from its argument only.
   * Return `undefined` for no change. Throwing (e.g. an illegal transition) aborts without writing.
   */
  async update(
    id: string,
    change: (current: Batch) => BatchPatch | undefined | Promise<BatchPatch | undefined>,
  ): Promise<Batch> {
    const table = await this.table();
    const mailboxTable = await this.mailboxTable();
    return retryOnConflict(
      { table: TABLE, partitionKey: BATCHES_PARTITION, rowKey: batchRowKey(id) },
      async () => {
        const [stored, counts] = await Promise.all([this.read(id), readCounts(mailboxTable, id)]);
        if (!stored) throw notFound(id);
        const current: Batch = {
          ...stored.row,
          counts,
          totalMailboxes: totalOf(counts),
        };
        const patch = await change(current);
        if (!patch) return current;
        const row = this.applyPatch(stored.row, patch);
        await table
          .updateEntity(toEntity({ ...stored, row }), 'Replace', { etag: stored.etag })
          .catch((err: unknown) => {
            // Deleted between our read and our write.
            throw httpStatusOf(err) === 404 ? notFound(id) : err;
          });
        return { ...row, counts: current.counts, totalMailboxes: current.totalMailboxes };
      },
      this.options.onConflictRetry,
    );
  }

  /**
   * Moves the batch to `to` (system transitions: the orchestrator reporting progress). Already in `to`:
   * only `patch` is applied, so a retried activity is harmless. Not allowed by BATCH_TRANSITIONS:
   * BATCH_ILLEGAL_TRANSITION.
   */
  transition(id: string, to: BatchStatus, patch: Omit<BatchPatch, 'status'> = {}): Promise<Batch> {
    return this.update(id, (b) => {
      if (b.status === to) return Object.keys(patch).length > 0 ? patch : undefined;
      if (!canTransition(b.status, to)) throw illegalTransition(id, b.status, { to });
      return { ...timestampsFor(b, to, new Date().toISOString()), ...patch, status: to };
    });
  }

  /** An administrator command. Strict: not allowed in the current status gives BATCH_ILLEGAL_TRANSITION (409). */
  applyAction(id: string, action: BatchAction, patch: Omit<BatchPatch, 'status'> = {}): Promise<Batch> {
    return this.update(id, (b) => {
      if (!allowedActions(b.status).includes(action)) throw illegalTransition(id, b.status, { action });
      const to = BATCH_ACTION_TARGETS[action];
      return { ...timestampsFor(b, to, new Date().toISOString()), ...patch, status: to };
    });
  }

  /**
   * Stores the full list of CSV problems of a batch (any size), replacing an earlier list.
   * One writer per batch (the ingest of that batch); the switch itself is ETag-conditional.
   */
  async setValidationErrors(id: string, errors: readonly ProblemDetail[]): Promise<Batch> {
    const table = await this.table();
    const before = await this.read(id);
    if (!before) throw notFound(id);
    const generation = before.errorGeneration + 1;
    const slices = errors.length > 0 ? sliceText(JSON.stringify(errors)) : [];
    const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
    // Slices of a generation no reader points at yet: safe to write unconditionally.
    await Promise.all(
      slices.map((text, n) =>
        limit(() =>
          table.upsertEntity(
            { partitionKey: BATCHES_PARTITION, rowKey: validationChunkRowKey(id, generation, n), text },
            'Replace',
          ),
        ),
      ),
    );
    const after = await retryOnConflict(
      { table: TABLE, partitionKey: BATCHES_PARTITION, rowKey: batchRowKey(id) },
      async () => {
        const stored = await this.read(id);
        if (!stored) throw notFound(id);
        const row: BatchRow = {
          ...stored.row,
          validationErrorCount: errors.length,
          updatedAt: new Date().toISOString(),
        };
        await table.updateEntity(
          toEntity({ row, errorGeneration: generation, errorChunks: slices.length }),
          'Replace',
          {
            etag: stored.etag,
          },
        );
        return row;
      },
      this.options.onConflictRetry,
    );
    await this.deleteErrorSlices(id, (rowKey) => !rowKey.startsWith(validationChunkPrefix(id, generation)));
    return this.get(after.id);
  }

  /** The stored CSV problems of a batch, in the order they were stored; [] when there are none. */
  async getValidationErrors(id: string): Promise<ProblemDetail[]> {
    const stored = await this.read(id);
    if (!stored) throw notFound(id);
    if (stored.errorChunks === 0) return [];
    const table = await this.table();
    const prefix = validationChunkPrefix(id, stored.errorGeneration);
    const parts: string[] = [];
    const filter = `PartitionKey eq '${BATCHES_PARTITION}' and RowKey ge '${prefix}' and RowKey lt '${prefixUpperBound(prefix)}'`;
    for await (const raw of table.listEntities<{ text?: unknown }>({ queryOptions: { filter } })) {
      parts.push(typeof raw.text === 'string' ? raw.text : '');
    }
    const where = { table: TABLE, partitionKey: BATCHES_PARTITION, rowKey: prefix };
    if (parts.length !== stored.errorChunks) {
      throw stateError(
        'STATE_CORRUPT_ENTITY',
        `Validation errors of batch ${id} are incomplete (${parts.length} of ${stored.errorChunks} parts).`,
        where,
      );
    }
    return parseEntity(
      z.array(z.looseObject({ code: z.string(), message: z.string() })),
      safeJson(parts.join('')),
      where,
    );
  }

  /** Removes the batch row, its name reservation and its stored validation errors; false if it was not there. */
  async delete(id: string): Promise<boolean> {
    const stored = await this.read(id);
    if (!stored) return false;
    await this.deleteErrorSlices(id, () => true);
    const table = await this.table();
    // Removal wins over any concurrent writer by design, hence unconditional deletes.
    try {
      await table.submitTransaction([
        ['delete', { partitionKey: BATCHES_PARTITION, rowKey: batchNameRowKey(stored.row.name) }],
        ['delete', { partitionKey: BATCHES_PARTITION, rowKey: batchRowKey(id) }],
      ]);
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
      for (const rowKey of [batchNameRowKey(stored.row.name), batchRowKey(id)]) {
        await table.deleteEntity(BATCHES_PARTITION, rowKey).catch((e: unknown) => {
          if (httpStatusOf(e) !== 404) throw e;
        });
      }
    }
    return true;
  }

  private applyPatch(current: BatchRow, patch: BatchPatch): BatchRow {
    if (
      patch.status !== undefined &&
      patch.status !== current.status &&
      !canTransition(current.status, patch.status)
    ) {
      throw illegalTransition(current.id, current.status, { to: patch.status });
    }
    const next: BatchRow = definedOnly({ ...current, ...patch, updatedAt: new Date().toISOString() });
    if (patch.lastError) next.lastError = errorInfoSchema.parse(toErrorInfo(patch.lastError));
    if (patch.options) {
      const options = batchOptionsSchema.safeParse(patch.options);
      if (!options.success)
        throw invalid(
          `options.${options.error.issues[0]?.path.join('.') ?? ''}`,
          options.error.issues[0]?.message ?? 'is invalid',
        );
      next.options = options.data;
    }
    for (const field of ['sourceEndpoint', 'target'] as const) {
      if (!endpointNameSchema.safeParse(next[field]).success)
        throw invalid(field, 'must be an endpoint name');
    }
    batchStatusSchema.parse(next.status);
    return next;
  }

  private async deleteErrorSlices(id: string, which: (rowKey: string) => boolean): Promise<void> {
    const table = await this.table();
    const prefix = validationChunkPrefix(id);
    const filter = `PartitionKey eq '${BATCHES_PARTITION}' and RowKey ge '${prefix}' and RowKey lt '${prefixUpperBound(prefix)}'`;
    const doomed: string[] = [];
    for await (const raw of table.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
      if (which(String(raw.rowKey))) doomed.push(String(raw.rowKey));
    }
    const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
    await Promise.all(
      doomed.map((rowKey) =>
        limit(() =>
          table.deleteEntity(BATCHES_PARTITION, rowKey).catch((e: unknown) => {
            if (httpStatusOf(e) !== 404) throw e;
          }),
        ),
      ),
    );
  }

  private async read(id: string): Promise<StoredRow | undefined> {
    if (!BATCH_ID_PATTERN.test(id)) return undefined;
    const table = await this.table();
    try {
      return fromEntity(await table.getEntity(BATCHES_PARTITION, batchRowKey(id)), batchRowKey(id));
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private table(): Promise<TableClient> {
    return this.tables.client(TABLE);
  }

  private mailboxTable(): Promise<TableClient> {
    return this.tables.client(TABLE_NAMES.mailboxes);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
