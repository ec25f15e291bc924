import { MAX_EMAIL_LENGTH } from '../domain/address';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { MailboxStatus } from '../domain/statuses';
import { dbl, definedOnly, isoTimestamp, jsonColumn, numberColumn, parseEntity, toJsonColumn } from './codec';
import { countsWrite, readCounts, readShard, totalOf, withDelta } from './counts';
import { httpStatusOf, stateError } from './errors';
import {
  BATCH_ID_PATTERN,
  COUNTS_ROW_KEY,
  batchIdOfPartition,
  mailboxPartitionKey,
  mailboxPartitionOf,
  mailboxPartitionRange,
  mailboxRowKey,
  mailboxShard,
  normaliseEmail,
} from './keys';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_TRANSACTION_OPERATIONS,
  PARTITION_WRITE_CONCURRENCY,
  TABLE_NAMES,
} from './limits';
import {
  errorInfoSchema,
  mailboxStatusSchema,
  secretRefSchema,
  toErrorInfo,
  type Mailbox,
  type MailboxCounts,
  type MailboxPatch,
  type NewMailbox,
} from './model';
import { retryOnConflict } from './optimistic';
import type { StateTables } from './tables';

const TABLE = TABLE_NAMES.mailboxes;
const MAX_NAME_LENGTH = 1024;
const MAX_TOKEN_LENGTH = 4096;

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
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
});

const num = (n: number | undefined) => (n === undefined ? undefined : dbl(n));

function toEntity(m: Mailbox) {
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
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  });
}

function fromEntity(raw: { partitionKey?: unknown; rowKey?: unknown }): { mailbox: Mailbox; etag: string } {
  const where = { table: TABLE, partitionKey: String(raw.partitionKey), rowKey: String(raw.rowKey) };
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
function timestampsFor(to: MailboxStatus, now: string): MailboxPatch {
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

/** The SDK's token is base64 of `{nextPartitionKey, nextRowKey?}`; anything else would make it throw. */
const pageTokenSchema = z.object({ nextPartitionKey: z.string().min(1), nextRowKey: z.string().optional() });
function isPageToken(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
  try {
    return pageTokenSchema.safeParse(JSON.parse(Buffer.from(token, 'base64').toString('latin1'))).success;
  } catch {
    return false;
  }
}

function notFound(batchId: string, email: string) {
  return stateError('MAILBOX_NOT_FOUND', `Batch ${batchId} has no mailbox ${email}.`, { batchId, email });
}

function invalid(message: string, details: Record<string, unknown>) {
  return stateError('MAILBOX_INVALID', message, details);
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
    const now = new Date().toISOString();
    const seen = new Set<string>();
    const rows: Mailbox[] = items.map((item, index) => {
      const email = item.email.trim();
      if (!email.includes('@') || email.length > MAX_EMAIL_LENGTH) {
        throw invalid(`Mailbox ${index + 1} has no valid address ("${email.slice(0, 80)}").`, {
          index,
          email,
        });
      }
      const key = mailboxRowKey(email);
      if (seen.has(key))
        throw invalid(`Mailbox ${email} is listed twice; list each address once.`, { index, email });
      seen.add(key);
      for (const field of ['userName', 'userRoot'] as const) {
        if ((item[field]?.length ?? 0) > MAX_NAME_LENGTH) {
          throw invalid(`Mailbox ${email}: ${field} is longer than ${MAX_NAME_LENGTH} characters.`, {
            index,
            email,
            field,
          });
        }
      }
      if (item.passwordRef !== undefined && !secretRefSchema.safeParse(item.passwordRef).success) {
        throw invalid(`Mailbox ${email}: passwordRef must be a secret reference (secret:<name>).`, {
          index,
          email,
        });
      }
      return definedOnly({
        batchId,
        email,
        status: item.status ?? 'Validating',
        userName: item.userName,
        userRoot: item.userRoot,
        passwordRef: item.passwordRef,
        forceChangePassword: item.forceChangePassword,
        itemsSynced: 0,
        itemsSkipped: 0,
        bytesSynced: 0,
        syncDurationMs: 0,
        ...timestampsFor(item.status ?? 'Validating', now),
        createdAt: now,
        updatedAt: now,
      });
    });

    const table = await this.table();
    const existing: string[] = [];
    // Per partition, transactions of 99 mailboxes plus the partition's counts row; partitions in parallel.
    const byShard = new Map<number, Mailbox[]>();
    for (const m of rows) {
      const shard = mailboxShard(mailboxRowKey(m.email));
      byShard.set(shard, [...(byShard.get(shard) ?? []), m]);
    }
    const chunks: { shard: number; rows: Mailbox[] }[] = [];
    for (const [shard, list] of byShard) {
      for (let i = 0; i < list.length; i += MAX_TRANSACTION_OPERATIONS - 1) {
        chunks.push({ shard, rows: list.slice(i, i + MAX_TRANSACTION_OPERATIONS - 1) });
      }
    }
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
    if (!found) throw notFound(batchId, email);
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
        if (!current) throw notFound(batchId, email);
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
          if (httpStatusOf(err) === 404) throw notFound(batchId, email);
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
    const groups: { partitionKey: string; rowKeys: string[] }[] = [];
    for (const [partitionKey, keys] of byPartition) {
      for (let i = 0; i < keys.length; i += MAX_TRANSACTION_OPERATIONS) {
        groups.push({ partitionKey, rowKeys: keys.slice(i, i + MAX_TRANSACTION_OPERATIONS) });
      }
    }
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
        throw invalid(`Mailbox ${current.email}: ${field} must be a number ≥ 0.`, {
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
