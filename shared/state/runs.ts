import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import pLimit from 'p-limit';
import { httpStatusOf, stateError } from './errors';
import { escapeKey, prefixUpperBound } from './keys';
import {
  MAX_STRING_PROPERTY,
  MAX_TRANSACTION_OPERATIONS,
  PARTITION_WRITE_CONCURRENCY,
  RUN_PLAN_CACHE_PAGES,
  RUN_PLAN_PAGE_SIZE,
  TABLE_NAMES,
} from './limits';
import { retryOnConflict } from './optimistic';
import type { StateTables } from './tables';

/**
 * The work list of one phase of a batch run (provisioning or copying), kept in Table Storage so no
 * orchestration history has to carry it. One partition per run `<batchId>:<runId>` holds:
 * - `plan:<page>`: the mailboxes in order, RUN_PLAN_PAGE_SIZE per row, written once;
 * - `cursor`: how many were handed out, the total, and whether the run was stopped;
 * - `claim:<token>`: which plan position a claim token got. The cursor moves and the claim row is
 *   created in one entity-group transaction, so a claim repeated with the same token (a retried
 *   activity whose reply was lost) gets the same mailbox back: none is skipped, none given twice.
 */
const TABLE = TABLE_NAMES.runs;
const CURSOR = 'cursor';
const planRowKey = (page: number): string => `plan:${String(page).padStart(6, '0')}`;
const claimRowKey = (token: string): string => `claim:${escapeKey(token)}`;
export const runPartitionKey = (batchId: string, runId: string): string => `${batchId}:${escapeKey(runId)}`;

export interface RunCursor {
  total: number;
  next: number;
  stopped: boolean;
}

export interface Claim {
  index: number;
  email: string;
}

/** Plan pages never change once written: a small per-process cache saves a read on most claims. */
const planCache = new Map<string, string[]>();

export class RunRepository {
  constructor(private readonly tables: StateTables) {}

  /**
   * Stores the run's mailbox list and its cursor. Idempotent: when the cursor exists already (a
   * retried call) the stored run is kept as it is and its cursor returned, so handed-out positions
   * never move.
   */
  async createPlan(batchId: string, runId: string, emails: readonly string[]): Promise<RunCursor> {
    const table = await this.table();
    const pk = runPartitionKey(batchId, runId);
    const existing = await this.cursor(table, pk);
    if (existing) return existing.cursor;
    const pages: string[][] = [];
    for (let i = 0; i < emails.length; i += RUN_PLAN_PAGE_SIZE)
      pages.push(emails.slice(i, i + RUN_PLAN_PAGE_SIZE));
    const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
    // Pages first, cursor last: a cursor only exists with its whole plan behind it.
    await Promise.all(
      pages.map((page, n) =>
        limit(() =>
          table.upsertEntity({ partitionKey: pk, rowKey: planRowKey(n), ...encodePage(page) }, 'Replace'),
        ),
      ),
    );
    const cursor: RunCursor = { total: emails.length, next: 0, stopped: false };
    try {
      await table.createEntity({ partitionKey: pk, rowKey: CURSOR, ...cursor });
    } catch (err) {
      if (httpStatusOf(err) !== 409) throw err;
      return ((await this.cursor(table, pk)) as { cursor: RunCursor }).cursor;
    }
    return cursor;
  }

  /**
   * Hands out the next mailbox of the run, or undefined when all were handed out or the run was
   * stopped. The same token always gets the same answer.
   */
  async claim(batchId: string, runId: string, token: string): Promise<Claim | undefined> {
    const table = await this.table();
    const pk = runPartitionKey(batchId, runId);
    const index = await retryOnConflict({ table: TABLE, partitionKey: pk, rowKey: CURSOR }, async () => {
      const current = await this.cursor(table, pk);
      if (!current) throw runNotFound(batchId, runId);
      const { cursor, etag } = current;
      if (cursor.stopped || cursor.next >= cursor.total) return (await this.claimed(table, pk, token)) ?? -1;
      const actions: TransactionAction[] = [
        [
          'update',
          { partitionKey: pk, rowKey: CURSOR, ...cursor, next: cursor.next + 1 },
          'Replace',
          { etag },
        ],
        ['create', { partitionKey: pk, rowKey: claimRowKey(token), index: cursor.next }],
      ];
      try {
        await table.submitTransaction(actions);
        return cursor.next;
      } catch (err) {
        // The claim row exists: this token claimed before (a repeated call). Same answer again.
        if (httpStatusOf(err) === 409) {
          const before = await this.claimed(table, pk, token);
          if (before !== undefined) return before;
        }
        throw err;
      }
    });
    if (index < 0) return undefined;
    return { index, email: await this.planEntry(table, pk, index) };
  }

  /** No more mailboxes are handed out; those handed out already finish. */
  async stop(batchId: string, runId: string): Promise<void> {
    const table = await this.table();
    const pk = runPartitionKey(batchId, runId);
    await retryOnConflict({ table: TABLE, partitionKey: pk, rowKey: CURSOR }, async () => {
      const current = await this.cursor(table, pk);
      if (!current || current.cursor.stopped) return;
      await table.updateEntity(
        { partitionKey: pk, rowKey: CURSOR, ...current.cursor, stopped: true },
        'Replace',
        { etag: current.etag },
      );
    });
  }

  async find(batchId: string, runId: string): Promise<RunCursor | undefined> {
    return (await this.cursor(await this.table(), runPartitionKey(batchId, runId)))?.cursor;
  }

  /** Deletes one run's rows (its plan, cursor and claims). */
  async delete(batchId: string, runId: string): Promise<void> {
    await this.deleteWhere(odata`PartitionKey eq ${runPartitionKey(batchId, runId)}`);
  }

  /** Deletes every run of a batch (removing the batch). */
  async deleteAll(batchId: string): Promise<void> {
    const from = `${batchId}:`;
    await this.deleteWhere(odata`PartitionKey ge ${from} and PartitionKey lt ${prefixUpperBound(from)}`);
  }

  private async deleteWhere(filter: string): Promise<void> {
    const table = await this.table();
    const byPartition = new Map<string, string[]>();
    for await (const row of table.listEntities({
      queryOptions: { filter, select: ['PartitionKey', 'RowKey'] },
    })) {
      const pk = String(row.partitionKey);
      byPartition.set(pk, [...(byPartition.get(pk) ?? []), String(row.rowKey)]);
    }
    for (const [pk, keys] of byPartition) {
      for (let i = 0; i < keys.length; i += MAX_TRANSACTION_OPERATIONS) {
        const group = keys.slice(i, i + MAX_TRANSACTION_OPERATIONS);
        await table
          .submitTransaction(
            group.map((rowKey): TransactionAction => ['delete', { partitionKey: pk, rowKey }]),
          )
          .catch(async (err: unknown) => {
            if (httpStatusOf(err) !== 404) throw err;
            for (const rowKey of group)
              await table.deleteEntity(pk, rowKey).catch((e: unknown) => {
                if (httpStatusOf(e) !== 404) throw e;
              });
          });
      }
      for (const key of planCache.keys()) if (key.startsWith(`${pk}|`)) planCache.delete(key);
    }
  }

  private async cursor(
    table: TableClient,
    pk: string,
  ): Promise<{ cursor: RunCursor; etag: string } | undefined> {
    try {
      const e = await table.getEntity<Record<string, unknown>>(pk, CURSOR);
      return {
        etag: String(e.etag),
        cursor: { total: Number(e.total), next: Number(e.next), stopped: e.stopped === true },
      };
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async claimed(table: TableClient, pk: string, token: string): Promise<number | undefined> {
    try {
      const e = await table.getEntity<Record<string, unknown>>(pk, claimRowKey(token));
      return Number(e.index);
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async planEntry(table: TableClient, pk: string, index: number): Promise<string> {
    const page = Math.floor(index / RUN_PLAN_PAGE_SIZE);
    const key = `${pk}|${page}`;
    let emails = planCache.get(key);
    if (!emails) {
      const e = await table.getEntity<Record<string, unknown>>(pk, planRowKey(page));
      emails = decodePage(e);
      planCache.set(key, emails);
      if (planCache.size > RUN_PLAN_CACHE_PAGES) planCache.delete(planCache.keys().next().value as string);
    }
    const email = emails[index % RUN_PLAN_PAGE_SIZE];
    if (email === undefined) {
      throw stateError('STATE_CORRUPT_ENTITY', `Run plan ${pk} has no mailbox at position ${index}.`, {
        table: TABLE,
        partitionKey: pk,
        rowKey: planRowKey(page),
      });
    }
    return email;
  }

  private table(): Promise<TableClient> {
    return this.tables.client(TABLE);
  }
}

function runNotFound(batchId: string, runId: string) {
  return stateError('BATCH_NOT_FOUND', `Batch ${batchId} has no run ${runId} (it was removed).`, {
    batchId,
    runId,
  });
}

/**
 * A page of addresses as newline-separated text in string properties (`e0`, `e1`, ...), each
 * under the property limit and cut only between addresses.
 */
function encodePage(emails: readonly string[]): Record<string, string | number> {
  const parts: string[] = [''];
  for (const email of emails) {
    const last = parts.length - 1;
    const joined = parts[last] ? `${parts[last]}\n${email}` : email;
    if (joined.length <= MAX_STRING_PROPERTY) parts[last] = joined;
    else parts.push(`\n${email}`);
  }
  const out: Record<string, string | number> = { parts: parts.length };
  parts.forEach((text, i) => (out[`e${i}`] = text));
  return out;
}

function decodePage(entity: Record<string, unknown>): string[] {
  let text = '';
  for (let i = 0; i < Number(entity.parts); i++) text += String(entity[`e${i}`] ?? '');
  return text ? text.split('\n') : [];
}
