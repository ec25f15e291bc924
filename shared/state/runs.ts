import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import pLimit from 'p-limit';
import { definedOnly } from './codec';
import { httpStatusOf, stateError } from './errors';
import { escapeKey, prefixUpperBound } from './keys';
import {
  MAX_STRING_PROPERTY,
  MAX_TRANSACTION_OPERATIONS,
  PARTITION_WRITE_CONCURRENCY,
  RUN_PLAN_CACHE_PAGES,
  RUN_PLAN_PAGE_SIZE,
  RUN_STRIPE_CACHE_ROWS,
  TABLE_NAMES,
} from './limits';
import { GroupedUpdates } from './grouped-updates';
import { retryOnConflict } from './optimistic';
import type { StateTables } from './tables';

/**
 * The work list of one phase of a batch run (provisioning or copying), kept in Table Storage so no
 * orchestration history has to carry it. One partition per run `<batchId>:<runId>` holds:
 * - `plan:<page>`: the mailboxes in order, RUN_PLAN_PAGE_SIZE per row, written once;
 * - `stripe:<k>`: one row per window slot. Slot k owns the plan positions k, k+S, k+2S, ... (S
 *   slots) and takes them from the front (`next`); a slot whose stripe is empty takes from the back
 *   (`end`) of the stripe with most left. So slots do not compete for one row, yet no slot idles
 *   while any mailbox is waiting: the window stays full until the plan is empty;
 * Each stripe row also keeps its owner's last claim token and position, written in the same
 * entity-group transaction that moves the stripes: a claim repeated with the same token (a retried
 * activity whose reply was lost) gets the same mailbox back, so none is skipped and none given twice.
 * The partition stays small (plan pages and one row per slot), which keeps every read and write cheap.
 */
const TABLE = TABLE_NAMES.runs;
const planRowKey = (page: number): string => `plan:${String(page).padStart(6, '0')}`;
const stripeRowKey = (k: number): string => `stripe:${String(k).padStart(4, '0')}`;
const STRIPE_PREFIX = 'stripe:';
export const runPartitionKey = (batchId: string, runId: string): string => `${batchId}:${escapeKey(runId)}`;

export interface RunSummary {
  total: number;
  /** Window slots (stripes) the plan was cut into. */
  slots: number;
}

export interface Claim {
  index: number;
  email: string;
}

interface Stripe {
  k: number;
  /** Positions taken from the front, by the owner; `end` counts down as other slots take from the back. */
  next: number;
  end: number;
  /** Positions in this stripe, and stripes in the run. */
  size: number;
  slots: number;
  stopped: boolean;
  /** The owner's last claim: a repeated call with the same token gets the same position. */
  lastToken?: string;
  lastIndex: number;
  etag: string;
}

/** Plan pages never change once written: a small per-process cache saves a read on most claims. */
const planCache = new Map<string, string[]>();

/**
 * The stripe rows this process last wrote, with their ETags. A slot's claims normally all come
 * through one process, so a claim writes against the remembered row (If-Match its ETag) without
 * reading it first; if anything else changed the row since (a stop, another slot taking from its
 * back, another process), the write is refused with 412 and the claim reads the row and tries again.
 */
const stripeCache = new Map<string, Stripe>();
/** Claims of the slots of a run, written together when they arrive together (grouped-updates.ts). */
const groupedUpdates = new GroupedUpdates();
const stripeCacheKey = (pk: string, k: number): string => `${pk}|${k}`;

function remember(pk: string, stripe: Stripe | undefined, k: number): void {
  const key = stripeCacheKey(pk, k);
  stripeCache.delete(key);
  if (!stripe) return;
  stripeCache.set(key, stripe);
  if (stripeCache.size > RUN_STRIPE_CACHE_ROWS) stripeCache.delete(stripeCache.keys().next().value as string);
}

export class RunRepository {
  constructor(private readonly tables: StateTables) {}

  /**
   * Stores the run's mailbox list cut into `slots` stripes. Idempotent: when the stripes exist
   * already (a retried call) the stored run is kept as it is, so handed-out positions never move.
   */
  async createPlan(
    batchId: string,
    runId: string,
    emails: readonly string[],
    window: number,
  ): Promise<RunSummary> {
    const table = await this.table();
    const pk = runPartitionKey(batchId, runId);
    const existing = await this.stripes(table, pk);
    if (existing.length) return { total: sum(existing.map((s) => s.size)), slots: existing.length };
    const slots = Math.max(0, Math.min(window, emails.length));
    const pages: string[][] = [];
    for (let i = 0; i < emails.length; i += RUN_PLAN_PAGE_SIZE)
      pages.push(emails.slice(i, i + RUN_PLAN_PAGE_SIZE));
    const limit = pLimit(PARTITION_WRITE_CONCURRENCY);
    // Pages first, stripes last: a stripe only exists with the whole plan behind it.
    await Promise.all(
      pages.map((page, n) =>
        limit(() =>
          table.upsertEntity({ partitionKey: pk, rowKey: planRowKey(n), ...encodePage(page) }, 'Replace'),
        ),
      ),
    );
    const rows: TransactionAction[] = [];
    for (let k = 0; k < slots; k++) {
      const size = Math.ceil((emails.length - k) / slots);
      const stripe = { next: 0, end: size, size, slots, stopped: false, lastIndex: -1 };
      rows.push(['upsert', { partitionKey: pk, rowKey: stripeRowKey(k), ...stripe }, 'Replace']);
    }
    for (let i = 0; i < rows.length; i += MAX_TRANSACTION_OPERATIONS)
      await table.submitTransaction(rows.slice(i, i + MAX_TRANSACTION_OPERATIONS));
    return { total: emails.length, slots };
  }

  /**
   * Hands slot `slot` its next mailbox, or undefined when the plan is empty or the run was stopped.
   * The same token always gets the same answer.
   */
  async claim(batchId: string, runId: string, slot: number, token: string): Promise<Claim | undefined> {
    const table = await this.table();
    const pk = runPartitionKey(batchId, runId);
    let cached = stripeCache.get(stripeCacheKey(pk, slot));
    const index = await retryOnConflict(
      { table: TABLE, partitionKey: pk, rowKey: stripeRowKey(slot) },
      async () => {
        // The remembered row on the first attempt only: after a refused write, read what is stored.
        const own = cached ?? (await this.stripe(table, pk, slot));
        cached = undefined;
        if (!own) throw runNotFound(batchId, runId);
        // A slot claims one at a time, so a repeated call can only be for its last claim.
        if (own.lastToken === token) return own.lastIndex;
        if (own.stopped) return -1;
        let from = own;
        if (own.next >= own.end) {
          // Our stripe is empty: take from the back of the one with most left (ties: at random).
          const left = (await this.stripes(table, pk)).filter((s) => !s.stopped && s.next < s.end);
          if (!left.length) return -1;
          const most = Math.max(...left.map((s) => s.end - s.next));
          const top = left.filter((s) => s.end - s.next === most);
          from = top[Math.floor(Math.random() * top.length)] as Stripe;
        }
        const isOwn = from === own;
        const index = from.k + (isOwn ? from.next : from.end - 1) * from.slots;
        const mine = { ...stored(own), lastToken: token, lastIndex: index };
        const row = (k: number, values: object): TableEntity => ({
          partitionKey: pk,
          rowKey: stripeRowKey(k),
          ...values,
        });
        // Both rows are in the run's partition: one transaction, all or nothing.
        const actions: TransactionAction[] = isOwn
          ? [['update', row(own.k, { ...mine, next: own.next + 1 }), 'Replace', { etag: own.etag }]]
          : [
              ['update', row(from.k, { ...stored(from), end: from.end - 1 }), 'Replace', { etag: from.etag }],
              ['update', row(own.k, mine), 'Replace', { etag: own.etag }],
            ];
        const next = isOwn ? { ...own, ...mine, next: own.next + 1 } : { ...own, ...mine };
        const written = isOwn ? [next] : [{ ...from, end: from.end - 1 }, next];
        await this.submitStripes(table, pk, actions, written);
        return index;
      },
    );
    if (index < 0) return undefined;
    return { index, email: await this.planEntry(table, pk, index) };
  }

  /**
   * Writes stripe rows (`written`: their new values, in the order of `actions`) and remembers them
   * with their new ETags; forgets them on any error.
   */
  private async submitStripes(
    table: TableClient,
    pk: string,
    actions: TransactionAction[],
    written: Stripe[],
  ): Promise<void> {
    try {
      const only = actions.length === 1 ? actions[0] : undefined;
      if (only?.[0] === 'update' && only[3]?.etag) {
        // The common claim moves only its own row: a conditional update, grouped with the other
        // slots' claims that arrive while one is being written (one transaction for several).
        const etag = await groupedUpdates.update(table, only[1], only[3].etag);
        remember(pk, etag ? { ...(written[0] as Stripe), etag } : undefined, (written[0] as Stripe).k);
        return;
      }
      const response = await table.submitTransaction(actions);
      // Sub-responses come in the order of the actions (an update's carries no row key to match).
      written.forEach((stripe, i) => {
        const etag = response.subResponses[i]?.etag?.trim();
        remember(pk, etag ? { ...stripe, etag } : undefined, stripe.k);
      });
    } catch (err) {
      for (const stripe of written) remember(pk, undefined, stripe.k);
      throw err;
    }
  }

  /** No more mailboxes are handed out; those handed out already finish. */
  async stop(batchId: string, runId: string): Promise<void> {
    const table = await this.table();
    const pk = runPartitionKey(batchId, runId);
    for (const s of await this.stripes(table, pk)) {
      await retryOnConflict({ table: TABLE, partitionKey: pk, rowKey: stripeRowKey(s.k) }, async () => {
        const current = await this.stripe(table, pk, s.k);
        if (!current || current.stopped) return;
        await table.updateEntity(
          { partitionKey: pk, rowKey: stripeRowKey(s.k), ...stored(current), stopped: true },
          'Replace',
          { etag: current.etag },
        );
      });
    }
  }

  /** How far a run got: mailboxes handed out, and whether it was stopped; undefined if no such run. */
  async progress(
    batchId: string,
    runId: string,
  ): Promise<{ total: number; claimed: number; stopped: boolean } | undefined> {
    const stripes = await this.stripes(await this.table(), runPartitionKey(batchId, runId));
    if (!stripes.length) return undefined;
    const claimed = sum(stripes.map((s) => s.next + s.size - s.end));
    return { total: sum(stripes.map((s) => s.size)), claimed, stopped: stripes.every((s) => s.stopped) };
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
      for (const key of stripeCache.keys()) if (key.startsWith(`${pk}|`)) stripeCache.delete(key);
    }
  }

  private async stripe(table: TableClient, pk: string, k: number): Promise<Stripe | undefined> {
    try {
      return toStripe(await table.getEntity<Record<string, unknown>>(pk, stripeRowKey(k)));
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async stripes(table: TableClient, pk: string): Promise<Stripe[]> {
    const out: Stripe[] = [];
    const filter = odata`PartitionKey eq ${pk} and RowKey ge ${STRIPE_PREFIX} and RowKey lt ${prefixUpperBound(STRIPE_PREFIX)}`;
    for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
      out.push(toStripe(e));
    return out.sort((a, b) => a.k - b.k);
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

function toStripe(e: Record<string, unknown>): Stripe {
  return {
    k: Number(String(e.rowKey).slice(STRIPE_PREFIX.length)),
    next: Number(e.next),
    end: Number(e.end),
    size: Number(e.size),
    slots: Number(e.slots),
    stopped: e.stopped === true,
    lastToken: typeof e.lastToken === 'string' ? e.lastToken : undefined,
    lastIndex: Number(e.lastIndex ?? -1),
    etag: String(e.etag),
  };
}

/** A stripe's stored columns (everything but the ETag and its key). */
const stored = (s: Stripe) =>
  definedOnly({
    next: s.next,
    end: s.end,
    size: s.size,
    slots: s.slots,
    stopped: s.stopped,
    lastToken: s.lastToken,
    lastIndex: s.lastIndex,
  });

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

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
