import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import pLimit from 'p-limit';
import type { MailboxStatus } from '../domain/statuses';
import { definedOnly } from './codec';
import { countsWrite, readCounts, readShard, totalOf, withDelta } from './counts';
import { httpStatusOf, stateError } from './errors';
import {
  BATCH_ID_PATTERN,
  COUNTS_ROW_KEY,
  mailboxPartitionKey,
  mailboxPartitionOf,
  mailboxPartitionRange,
  mailboxRowKey,
  mailboxShard,
  normaliseEmail,
} from './keys';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PARTITION_WRITE_CONCURRENCY } from './limits';
import { MAILBOXES_TABLE, fromEntity, timestampsFor, toEntity } from './mailbox-entity';
import {
  deleteGroups,
  isPageToken,
  mailboxInvalid,
  mailboxNotFound,
  newMailboxRows,
  shardChunks,
} from './mailbox-rows';
import {
  errorInfoSchema,
  mailboxStatusSchema,
  toErrorInfo,
  type Mailbox,
  type MailboxCounts,
  type MailboxPatch,
  type NewMailbox,
} from './model';
import { retryOnConflict } from './optimistic';
import type { StateTables } from './tables';

const TABLE = MAILBOXES_TABLE;

export interface MailboxPage {
  items: Mailbox[];
  /** Pass back to get the next page; absent on the last page. Opaque. */
  continuationToken?: string;
}

export interface MailboxListOptions {
  pageSize?: number;
  continuationToken?: string;
  status?: MailboxStatus;
}

export interface MailboxRepositoryOptions {
  onConflictRetry?: () => void;
}

/**
 * Mailboxes of a batch: partitions `<batchId>.<0..7>` (keys.ts says why), row = normalised address.
 * Each partition has a counts row, changed in the same transaction as its mailbox (see counts.ts).
 */
export class MailboxRepository {
  constructor(
    private readonly tables: StateTables,
    private readonly options: MailboxRepositoryOptions = {},
  ) {}

  /**
   * Adds mailboxes to a batch, 99 per transaction with their partition's counts row. Idempotent: rows
   * that already exist are left as they are and reported in `existing`, so a retried ingest is safe.
   */
  async addMany(
    batchId: string,
    items: readonly NewMailbox[],
  ): Promise<{ added: number; existing: string[] }> {
    this.checkBatchId(batchId);
    const rows = newMailboxRows(batchId, items, new Date().toISOString());
    const table = await this.table();
    const existing: string[] = [];
    const chunks = shardChunks(rows);
    const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
    const perShard = new Map<number, Promise<void>>();
    await Promise.all(
      chunks.map((chunk) => {
        // Chunks of one partition go one after the other (they share its counts row).
        const previous = perShard.get(chunk.shard) ?? Promise.resolve();
        const done = previous.then(() =>
          limit(() => this.addChunk(table, batchId, chunk.shard, chunk.rows, existing)),
        );
        perShard.set(chunk.shard, done);
        return done;
      }),
    );
    const added = rows.length - existing.length;
    return { added, existing: existing.sort() };
  }

  private async addChunk(
    table: TableClient,
    batchId: string,
    shard: number,
    rows: Mailbox[],
    existing: string[],
  ): Promise<void> {
    const partitionKey = mailboxPartitionKey(batchId, shard);
    let pending = rows;
    await retryOnConflict(
      { table: TABLE, partitionKey, rowKey: COUNTS_ROW_KEY },
      async () => {
        if (pending.length === 0) return;
        const snapshot = await readShard(table, batchId, shard);
        let counts = snapshot.counts;
        for (const m of pending) counts = withDelta(counts, undefined, m.status);
        const actions: TransactionAction[] = pending.map((m) => ['create', toEntity(m)]);
        actions.push(countsWrite(partitionKey, snapshot, counts));
        try {
          await table.submitTransaction(actions);
        } catch (err) {
          if (httpStatusOf(err) === 409) {
            // Either a mailbox row exists already (a retried ingest) or the counts row was just
            // created by someone else. Drop the rows that exist; then retry the rest.
            const present = await this.existingKeys(table, partitionKey, pending);
            existing.push(...pending.filter((m) => present.has(mailboxRowKey(m.email))).map((m) => m.email));
            pending = pending.filter((m) => !present.has(mailboxRowKey(m.email)));
          }
          throw err;
        }
      },
      this.options.onConflictRetry,
    );
  }

  async find(batchId: string, email: string): Promise<Mailbox | undefined> {
    return (await this.read(batchId, email))?.mailbox;
  }

  async get(batchId: string, email: string): Promise<Mailbox> {
    const found = await this.find(batchId, email);
    if (!found) throw mailboxNotFound(batchId, email);
    return found;
  }

  /**
   * One page of a batch's mailboxes, optionally only those in `status`. The order is stable (by
   * partition, then address) but not alphabetical across the whole batch.
   */
  async list(batchId: string, options: MailboxListOptions = {}): Promise<MailboxPage> {
    this.checkBatchId(batchId);
    const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? DEFAULT_PAGE_SIZE)));
    let token = options.continuationToken;
    if (token !== undefined && !isPageToken(token)) {
      throw stateError(
        'PAGE_TOKEN_INVALID',
        'The continuation token is not one this API gave out; start again without it.',
        {},
      );
    }
    const table = await this.table();
    const filter = this.filter(batchId, options.status);
    // The service may answer a filtered query with an empty page and a token; follow until items or the end.
    for (;;) {
      const pages = table
        .listEntities({ queryOptions: { filter } })
        .byPage({ maxPageSize: pageSize, continuationToken: token });
      const page = (await pages.next()).value as
        (Record<string, unknown>[] & { continuationToken?: string }) | undefined;
      const items = (page ?? []).map((raw) => fromEntity(raw).mailbox);
      token = page?.continuationToken;
      if (items.length > 0 || !token) return definedOnly({ items, continuationToken: token });
    }
  }

  /** Every mailbox of a batch (optionally in one status), page by page; for fan-out and reports. */
  async *all(batchId: string, status?: MailboxStatus): AsyncGenerator<Mailbox> {
    this.checkBatchId(batchId);
    const table = await this.table();
    for await (const raw of table.listEntities({ queryOptions: { filter: this.filter(batchId, status) } })) {
      yield fromEntity(raw).mailbox;
    }
  }

  /** The row keys (normalised addresses, see keys.ts) of every mailbox of a batch; reads no other column. */
  async *addressKeys(batchId: string): AsyncGenerator<string> {
    this.checkBatchId(batchId);
    const table = await this.table();
    const rows = table.listEntities({ queryOptions: { filter: this.filter(batchId), select: ['RowKey'] } });
    for await (const raw of rows) yield String(raw.rowKey);
  }

  /**
   * Reads the mailbox, asks `change` for a patch and writes it If-Match the ETag read. When the status
   * changes, the counts row is updated in the same transaction (also If-Match). On 412 both are read
   * again and `change` is called again, so it must compute from its argument only.
   */
  async update(
    batchId: string,
    email: string,
    change: (current: Mailbox) => MailboxPatch | undefined | Promise<MailboxPatch | undefined>,
  ): Promise<Mailbox> {
    this.checkBatchId(batchId);
    const table = await this.table();
    return retryOnConflict(
      { table: TABLE, partitionKey: mailboxPartitionOf(batchId, email), rowKey: mailboxRowKey(email) },
      async () => {
        const current = await this.read(batchId, email);
        if (!current) throw mailboxNotFound(batchId, email);
        const patch = await change(current.mailbox);
        if (!patch) return current.mailbox;
        const next = this.applyPatch(current.mailbox, patch);
        const entity = toEntity(next);
        try {
          if (next.status === current.mailbox.status) {
            await table.updateEntity(entity, 'Replace', { etag: current.etag });
          } else {
            const shard = mailboxShard(mailboxRowKey(current.mailbox.email));
            const snapshot = await readShard(table, batchId, shard);
            const counts = withDelta(snapshot.counts, current.mailbox.status, next.status);
            await table.submitTransaction([
              ['update', entity, 'Replace', { etag: current.etag }],
              countsWrite(mailboxPartitionKey(batchId, shard), snapshot, counts),
            ]);
          }
        } catch (err) {
          // Deleted between our read and our write (the batch is being removed).
          if (httpStatusOf(err) === 404) throw mailboxNotFound(batchId, email);
          throw err;
        }
        return next;
      },
      this.options.onConflictRetry,
    );
  }

  /** Moves a mailbox to `status` (with its implied timestamps) and applies `patch` in the same write. */
  setStatus(
    batchId: string,
    email: string,
    status: MailboxStatus,
    patch: MailboxPatch = {},
  ): Promise<Mailbox> {
    return this.update(batchId, email, () => ({ ...patch, status }));
  }

  /** The batch's mailboxes per status and in total, as stored with the rows. */
  async counts(batchId: string): Promise<{ counts: MailboxCounts; total: number }> {
    this.checkBatchId(batchId);
    const counts = await readCounts(await this.table(), batchId);
    return { counts, total: totalOf(counts) };
  }

  /** Deletes every row of the batch's partitions (mailboxes and counts); returns how many rows went. */
  async deleteAll(batchId: string): Promise<number> {
    this.checkBatchId(batchId);
    const table = await this.table();
    const { from, to } = mailboxPartitionRange(batchId);
    const byPartition = new Map<string, string[]>();
    const rows = table.listEntities({
      queryOptions: {
        filter: odata`PartitionKey ge ${from} and PartitionKey lt ${to}`,
        select: ['PartitionKey', 'RowKey'],
      },
    });
    let total = 0;
    for await (const raw of rows) {
      const pk = String(raw.partitionKey);
      byPartition.set(pk, [...(byPartition.get(pk) ?? []), String(raw.rowKey)]);
      total++;
    }
    const groups = deleteGroups(byPartition);
    const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
    // Removal wins over any concurrent writer by design, hence unconditional deletes.
    await Promise.all(
      groups.map(({ partitionKey, rowKeys }) =>
        limit(async () => {
          try {
            await table.submitTransaction(rowKeys.map((rowKey) => ['delete', { partitionKey, rowKey }]));
          } catch (err) {
            if (httpStatusOf(err) !== 404) throw err;
            // Someone deleted part of the group already: go one by one, ignoring what is gone.
            for (const rowKey of rowKeys) {
              await table.deleteEntity(partitionKey, rowKey).catch((e: unknown) => {
                if (httpStatusOf(e) !== 404) throw e;
              });
            }
          }
        }),
      ),
    );
    return total;
  }

  private applyPatch(current: Mailbox, patch: MailboxPatch): Mailbox {
    const now = new Date().toISOString();
    const implied = patch.status && patch.status !== current.status ? timestampsFor(patch.status, now) : {};
    const next: Mailbox = definedOnly({ ...current, ...implied, ...patch, updatedAt: now });
    if (patch.lastError) next.lastError = errorInfoSchema.parse(toErrorInfo(patch.lastError));
    mailboxStatusSchema.parse(next.status);
    for (const field of [
      'itemsSynced',
      'itemsSkipped',
      'bytesSynced',
      'syncDurationMs',
      'ratePerMinute',
      'bytesPerMinute',
    ] as const) {
      const v = next[field];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
        throw mailboxInvalid(`Mailbox ${current.email}: ${field} must be a number ≥ 0.`, {
          email: current.email,
          field,
        });
      }
    }
    return next;
  }

  private filter(batchId: string, status?: MailboxStatus): string {
    const { from, to } = mailboxPartitionRange(batchId);
    const base = odata`PartitionKey ge ${from} and PartitionKey lt ${to} and RowKey ne ${COUNTS_ROW_KEY}`;
    return status ? `${base} and ${odata`status eq ${status}`}` : base;
  }

  private async existingKeys(
    table: TableClient,
    partitionKey: string,
    rows: readonly Mailbox[],
  ): Promise<Set<string>> {
    const limit = pLimit(16);
    const present = new Set<string>();
    await Promise.all(
      rows.map((m) =>
        limit(async () => {
          const key = mailboxRowKey(m.email);
          try {
            await table.getEntity(partitionKey, key, { queryOptions: { select: ['RowKey'] } });
            present.add(key);
          } catch (err) {
            if (httpStatusOf(err) !== 404) throw err;
          }
        }),
      ),
    );
    return present;
  }

  private async read(
    batchId: string,
    email: string,
  ): Promise<{ mailbox: Mailbox; etag: string } | undefined> {
    if (!BATCH_ID_PATTERN.test(batchId) || normaliseEmail(email).length === 0) return undefined;
    const table = await this.table();
    try {
      return fromEntity(await table.getEntity(mailboxPartitionOf(batchId, email), mailboxRowKey(email)));
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private checkBatchId(batchId: string): void {
    if (!BATCH_ID_PATTERN.test(batchId)) {
      throw stateError('BATCH_NOT_FOUND', `There is no batch with id "${batchId}".`, { batchId });
    }
  }

  private table(): Promise<TableClient> {
    return this.tables.client(TABLE);
  }
}
