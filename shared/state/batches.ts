import type { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import type { ProblemDetail } from '../domain/errors';
import type { BatchStatus } from '../domain/statuses';
import { definedOnly } from './codec';
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
} from './keys';
import { BATCH_LIST_READ_CONCURRENCY, TABLE_NAMES } from './limits';
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

import {
  BATCHES_TABLE as TABLE,
  fromEntity,
  invalid,
  notFound,
  timestampsFor,
  toEntity,
  type BatchRow,
  type StoredRow,
} from './batch-entity';
import { deleteErrorSlices, readErrorSlices, writeErrorSlices } from './validation-errors';

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
    const chunks = await writeErrorSlices(table, id, generation, errors);
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
          toEntity({ row, errorGeneration: generation, errorChunks: chunks }),
          'Replace',
          {
            etag: stored.etag,
          },
        );
        return row;
      },
      this.options.onConflictRetry,
    );
    await deleteErrorSlices(table, id, (rowKey) => !rowKey.startsWith(validationChunkPrefix(id, generation)));
    return this.get(after.id);
  }

  /** The stored CSV problems of a batch, in the order they were stored; [] when there are none. */
  async getValidationErrors(id: string): Promise<ProblemDetail[]> {
    const stored = await this.read(id);
    if (!stored) throw notFound(id);
    if (stored.errorChunks === 0) return [];
    return readErrorSlices(await this.table(), id, stored.errorGeneration, stored.errorChunks);
  }

  /** Removes the batch row, its name reservation and its stored validation errors; false if it was not there. */
  async delete(id: string): Promise<boolean> {
    const stored = await this.read(id);
    if (!stored) return false;
    const table = await this.table();
    await deleteErrorSlices(table, id, () => true);
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
