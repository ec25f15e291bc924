import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import {
  FINGERPRINTS_PER_QUERY,
  INDEX_BUCKET_UIDS,
  INDEX_STREAM_PAGES,
  TABLE_BATCH,
  TABLE_BATCH_BYTES,
} from '../limits';
import {
  INDEX_LAYOUT_BUCKETED,
  INDEX_LAYOUT_PACKED,
  rowMatcher,
  type IndexRef,
  type ItemFilter,
  type ItemRow,
} from './item-row';
import { decodeRow, encodeRow, pageStart, propertyOf, TOMBSTONE, uidOfProperty } from './packed-row';

/**
 * The item index (`mailitems`): (folder, UIDVALIDITY, UID) → state, target id, fingerprint, flags.
 *
 * Row layouts (0, 1): one entity per UID, row key = zero-padded UID; partition = one generation (0)
 * or one bucket of INDEX_BUCKET_UIDS UIDs of it (1). Buckets keep every partition small, so a write
 * never costs more as the folder grows (a store that looks a row up within its partition, as Azurite
 * does on every upsert, would otherwise slow down with each chunk).
 *
 * Packed layout (2), for folders planned since: the same bucket partitions, but one entity per page
 * of INDEX_PAGE_UIDS consecutive UIDs (row key = the page's first UID), one property per UID (see
 * packed-row.ts). Rows are written with upsert in Merge mode, so a group's rows join a page that
 * earlier groups wrote without reading it first (a folder has one writer at a time, its lease, and a
 * retried write of the same rows changes nothing); a deleted row is merged as an empty value. Every
 * message then costs a property, not an entity through the SDK's and the store's per-entity
 * pipelines: a chunk of 2,000 rows is ~16 entities instead of 2,000.
 *
 * A packed page cannot be filtered by the store, so itemsWhere takes a typed filter that is
 * evaluated on each streamed row (and, for the row layouts, also sent to the store as OData).
 */
export class ItemIndex {
  constructor(
    private readonly items: TableClient,
    /** The escaped mailbox key, first part of every partition. */
    private readonly pk: string,
  ) {}

  /** The partition of one generation's rows, or (layouts 1, 2) of the bucket holding `uid`. */
  partition(ix: IndexRef, uidValidity: string, uid = 0): string {
    const base = `${this.pk}|${ix.fid}|${uidValidity}`;
    return ix.indexLayout >= INDEX_LAYOUT_BUCKETED
      ? `${base}|${String(bucketOf(uid)).padStart(7, '0')}`
      : base;
  }

  /** Rows with UID in [from, to]: one range query per bucket the range touches. */
  async inRange(ix: IndexRef, uidValidity: string, from: number, to: number): Promise<Map<number, ItemRow>> {
    if (to < from) return new Map();
    const buckets: Array<[number, number]> = [];
    if (ix.indexLayout >= INDEX_LAYOUT_BUCKETED) {
      for (let b = bucketOf(from); b <= bucketOf(to); b++)
        buckets.push([Math.max(from, b * INDEX_BUCKET_UIDS), Math.min(to, (b + 1) * INDEX_BUCKET_UIDS - 1)]);
    } else buckets.push([from, to]);
    const parts = await Promise.all(
      buckets.map(([a, z]) => {
        const pk = odata(this.partition(ix, uidValidity, a));
        // Packed: the pages holding the range's ends (row key = a page's first UID).
        const lo = packed(ix) ? pageStart(a) : a;
        const hi = packed(ix) ? pageStart(z) : z;
        const filter = `PartitionKey eq '${pk}' and RowKey ge '${uidKey(lo)}' and RowKey le '${uidKey(hi)}'`;
        return this.query(ix, filter, (r) => r.uid >= a && r.uid <= z);
      }),
    );
    return new Map(parts.flatMap((m) => [...m]));
  }

  /** Rows of the given UIDs (one range query per bucket they fall in). */
  async at(ix: IndexRef, uidValidity: string, uids: number[]): Promise<Map<number, ItemRow>> {
    const ranges = new Map<number, [number, number]>();
    for (const u of uids) {
      const b = ix.indexLayout >= INDEX_LAYOUT_BUCKETED ? bucketOf(u) : 0;
      const r = ranges.get(b);
      ranges.set(b, r ? [Math.min(r[0], u), Math.max(r[1], u)] : [u, u]);
    }
    const parts = await Promise.all(
      [...ranges.values()].map(([a, z]) => this.inRange(ix, uidValidity, a, z)),
    );
    const wanted = new Set(uids);
    return new Map(parts.flatMap((m) => [...m].filter(([u]) => wanted.has(u))));
  }

  /**
   * Rows of one generation that match `filter`, streamed a page of entities at a time: only the
   * matches are held, however large the folder.
   */
  async where(ix: IndexRef, uidValidity: string, filter: ItemFilter = {}): Promise<Map<number, ItemRow>> {
    const base = odata(`${this.pk}|${ix.fid}|${uidValidity}`);
    const generation =
      ix.indexLayout >= INDEX_LAYOUT_BUCKETED
        ? `PartitionKey ge '${base}|' and PartitionKey lt '${base}}'`
        : `PartitionKey eq '${base}'`;
    const matches = rowMatcher(filter);
    if (filter.fp && !filter.fp.length) return new Map();
    if (packed(ix)) return this.query(ix, generation, matches);
    // Row layouts: the store filters too (at most FINGERPRINTS_PER_QUERY fingerprints a query).
    const state = filter.s ? ` and s eq '${filter.s}'` : '';
    const fps = filter.fp ? [...new Set(filter.fp)] : undefined;
    if (!fps) return this.query(ix, `${generation}${state}`, matches);
    const out = new Map<number, ItemRow>();
    for (let i = 0; i < fps.length; i += FINGERPRINTS_PER_QUERY) {
      const any = fps
        .slice(i, i + FINGERPRINTS_PER_QUERY)
        .map((h) => `fp eq '${odata(h)}'`)
        .join(' or ');
      for (const [u, r] of await this.query(ix, `${generation}${state} and (${any})`, matches)) out.set(u, r);
    }
    return out;
  }

  /** Upserts rows of one generation: per partition, ≤ TABLE_BATCH entities a transaction, in parallel. */
  async put(ix: IndexRef, uidValidity: string, rows: ItemRow[]): Promise<void> {
    const entities = packed(ix)
      ? this.pages(
          ix,
          uidValidity,
          rows.map((r) => [r.uid, encodeRow(r)]),
        )
      : rows.map((r) => ({
          partitionKey: this.partition(ix, uidValidity, r.uid),
          rowKey: uidKey(r.uid),
          s: r.s,
          t: r.t,
          fp: r.fp,
          fl: r.fl,
          sz: r.sz,
        }));
    // Row layouts replace whole rows; packed pages merge the given UIDs' properties into the page.
    const mode = packed(ix) ? 'Merge' : 'Replace';
    await Promise.all(
      transactions(entities).map((slice) =>
        this.items.submitTransaction(slice.map((e): TransactionAction => ['upsert', e, mode])),
      ),
    );
  }

  /** Deletes rows (packed: overwrites them with a tombstone, which readers skip). */
  async delete(ix: IndexRef, uidValidity: string, uids: number[]): Promise<void> {
    const entities = packed(ix)
      ? this.pages(
          ix,
          uidValidity,
          uids.map((u) => [u, TOMBSTONE]),
        )
      : uids.map((u) => ({ partitionKey: this.partition(ix, uidValidity, u), rowKey: uidKey(u) }));
    for (const slice of transactions(entities)) {
      await this.items.submitTransaction(
        slice.map((e): TransactionAction => (packed(ix) ? ['upsert', e, 'Merge'] : ['delete', e])),
      );
    }
  }

  /** Packed: one entity per page touched, holding the given UIDs' values. */
  private pages(ix: IndexRef, uidValidity: string, values: Array<[number, string]>): TableEntity[] {
    const byPage = new Map<number, TableEntity>();
    for (const [uid, value] of values) {
      const start = pageStart(uid);
      let page = byPage.get(start);
      if (!page)
        byPage.set(
          start,
          (page = { partitionKey: this.partition(ix, uidValidity, start), rowKey: uidKey(start) }),
        );
      page[propertyOf(uid)] = value;
    }
    return [...byPage.values()];
  }

  private async query(
    ix: IndexRef,
    filter: string,
    keep: (r: ItemRow) => boolean,
  ): Promise<Map<number, ItemRow>> {
    const out = new Map<number, ItemRow>();
    const pages = this.items
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage(packed(ix) ? { maxPageSize: INDEX_STREAM_PAGES } : {});
    for await (const page of pages) {
      for (const e of page) {
        if (packed(ix)) {
          for (const name in e) {
            const uid = uidOfProperty(name);
            const r = uid === undefined ? undefined : decodeRow(uid, e[name]);
            if (r && keep(r)) out.set(r.uid, r);
          }
        } else {
          const r = rowOf(e);
          if (keep(r)) out.set(r.uid, r);
        }
      }
    }
    return out;
  }
}

export const uidKey = (uid: number): string => String(uid).padStart(10, '0');

const bucketOf = (uid: number): number => Math.floor(uid / INDEX_BUCKET_UIDS);
const packed = (ix: IndexRef): boolean => ix.indexLayout >= INDEX_LAYOUT_PACKED;

function rowOf(e: Record<string, unknown>): ItemRow {
  const uid = Number(e.rowKey);
  return {
    uid,
    s: e.s === 'p' ? 'p' : 'd',
    t: typeof e.t === 'string' ? e.t : '',
    fp: typeof e.fp === 'string' ? e.fp : '',
    fl: typeof e.fl === 'string' ? e.fl : '',
    sz: typeof e.sz === 'number' ? e.sz : 0,
  };
}

/**
 * Entities grouped by partition (a transaction holds one), at most TABLE_BATCH a transaction and
 * about TABLE_BATCH_BYTES (the service's size rules: UTF-16 strings, a few bytes per property).
 */
function transactions<T extends { partitionKey: string }>(entities: T[]): T[][] {
  const byPartition = new Map<string, T[]>();
  for (const e of entities) {
    let list = byPartition.get(e.partitionKey);
    if (!list) byPartition.set(e.partitionKey, (list = []));
    list.push(e);
  }
  const out: T[][] = [];
  for (const list of byPartition.values()) {
    let slice: T[] = [];
    let bytes = 0;
    for (const e of list) {
      const size = entityBytes(e);
      if (slice.length && (slice.length >= TABLE_BATCH || bytes + size > TABLE_BATCH_BYTES)) {
        out.push(slice);
        slice = [];
        bytes = 0;
      }
      slice.push(e);
      bytes += size;
    }
    if (slice.length) out.push(slice);
  }
  return out;
}

function entityBytes(e: object): number {
  let n = 4;
  for (const [k, v] of Object.entries(e))
    n += 8 + 2 * k.length + (typeof v === 'string' ? 4 + 2 * v.length : 8);
  return n;
}

function odata(s: string): string {
  return s.replace(/'/g, "''");
}
