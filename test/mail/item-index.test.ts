import { TableClient } from '@azure/data-tables';
import { useAzurite } from '../../testing/jest/azurite';
import { MailState, MAIL_TABLES } from '../../shared/mail';
import type { IndexRef, ItemRow } from '../../shared/mail/state';
import { filterKey, widensFilter } from '../../shared/mail/filters';
import { INDEX_BUCKET_UIDS, INDEX_PACKED_ROW_MAX_CHARS, INDEX_PAGE_UIDS } from '../../shared/mail/limits';

/**
 * The item index in a real Azurite, in each of its layouts: rows spread over UID buckets (and, packed,
 * over pages of UIDs) are found by range, by UID and by a filter on state and fingerprint across
 * bucket and page boundaries, and deleted across them. The packed layout holds a page of UIDs per
 * entity: rewriting rows changes nothing, updating one UID keeps its page's others, a deleted row
 * stays deleted. And which date filters need a rescan.
 */
const storage = useAzurite();

const rows = (from: number, to: number): ItemRow[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    uid: from + i,
    s: (from + i) % 7 === 0 ? ('p' as const) : ('d' as const),
    t: `t${from + i}`,
    fp: (from + i) % 500 === 0 ? 'round' : `fp${from + i}`,
    fl: (from + i) % 3 === 0 ? '\\Seen $Label|1 100%' : '',
    sz: 10 + from + i,
  }));
const sorted = (m: Map<number, unknown>): number[] => [...m.keys()].sort((a, b) => a - b);
const span = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The raw entities of one mailbox's index, as the store holds them. */
async function entities(key: string): Promise<Array<Record<string, unknown>>> {
  const table = TableClient.fromConnectionString(storage().connectionString, MAIL_TABLES.items, {
    allowInsecureConnection: true,
  });
  const out: Array<Record<string, unknown>> = [];
  const filter = `PartitionKey ge '${key}|' and PartitionKey lt '${key}}'`;
  for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
    out.push(e);
  return out;
}

describe.each([
  ['packed pages', 2],
  ['UID buckets', 1],
  ['one partition per generation', 0],
])('item index, %s', (_name, indexLayout) => {
  const ix: IndexRef = { fid: `f${indexLayout}`, indexLayout };
  const key = `index:${indexLayout}`;
  const state = () => new MailState({ connectionString: storage().connectionString }, key);

  it('finds rows by range, UID and filter across bucket and page boundaries, and deletes across them', async () => {
    const s = state();
    await s.ready();
    const top = 2 * INDEX_BUCKET_UIDS + 500;
    const all = rows(1, top);
    await s.putItems(ix, '7', all);
    // Bucketed: three partitions here; the older layout: one.
    const partitions = new Set([1, INDEX_BUCKET_UIDS, top].map((u) => s.itemPartition(ix, '7', u)));
    expect(partitions.size).toBe(indexLayout ? 3 : 1);
    // One entity per UID, or (packed) one per page of UIDs.
    expect((await entities(key)).length).toBe(
      indexLayout === 2 ? Math.ceil((top + 1) / INDEX_PAGE_UIDS) : top,
    );

    const from = INDEX_BUCKET_UIDS - INDEX_PAGE_UIDS - 5;
    const to = 2 * INDEX_BUCKET_UIDS + 5;
    const range = await s.itemsInRange(ix, '7', from, to);
    expect(sorted(range)).toEqual(span(from, to));
    // Every field reads back as written, keywords holding the packed format's separators included.
    for (const u of [from, INDEX_BUCKET_UIDS - 1, INDEX_BUCKET_UIDS, INDEX_BUCKET_UIDS + INDEX_PAGE_UIDS, to])
      expect(range.get(u)).toEqual(all[u - 1]);
    expect(sorted(await s.itemsInRange(ix, '7', 5, 4))).toEqual([]);

    const some = await s.itemsAt(ix, '7', [3, INDEX_PAGE_UIDS, INDEX_BUCKET_UIDS + 1, top, top + 1]);
    expect(sorted(some)).toEqual([3, INDEX_PAGE_UIDS, INDEX_BUCKET_UIDS + 1, top]);

    expect(sorted(await s.itemsWhere(ix, '7', { fp: ['round'] }))).toEqual([500, 1000, 1500, 2000, 2500]);
    const done = await s.itemsWhere(ix, '7', { s: 'd', fp: ['round', 'fp7', 'fp8', 'fp1234'] });
    // Multiples of 7 are pending rows.
    expect(sorted(done)).toEqual([8, 500, 1000, 1234, 1500, 2000, 2500].filter((u) => u % 7 !== 0));
    // More fingerprints than one store query may compare (the row layouts split them).
    const many = span(1, 40).map((u) => `fp${u * 11}`);
    expect(sorted(await s.itemsWhere(ix, '7', { s: 'd', fp: many }))).toEqual(
      span(1, 40)
        .map((u) => u * 11)
        .filter((u) => u % 7 !== 0 && u % 500 !== 0),
    );
    expect((await s.itemsWhere(ix, '7', { fp: [] })).size).toBe(0);
    expect((await s.itemsWhere(ix, '7', { s: 'p' })).size).toBe(Math.floor(top / 7));
    // Another generation of the same folder is apart.
    expect((await s.itemsWhere(ix, '8')).size).toBe(0);

    await s.deleteItems(ix, '7', [999, 1000, 2001]);
    expect((await s.itemsWhere(ix, '7')).size).toBe(top - 3);
    expect(sorted(await s.itemsAt(ix, '7', [999, 1000, 1001]))).toEqual([1001]);
    expect(sorted(await s.itemsInRange(ix, '7', 998, 1002))).toEqual([998, 1001, 1002]);
    expect((await s.itemsWhere(ix, '7', { fp: ['round'] })).has(1000)).toBe(false);
    if (indexLayout === 2) {
      // Packed: deleting what is not there (again) changes nothing.
      await s.deleteItems(ix, '7', [999, 5000]);
      expect((await s.itemsWhere(ix, '7')).size).toBe(top - 3);
    }
    // A deleted row written again is back.
    await s.putItems(ix, '7', [all[999]!]);
    expect((await s.itemsAt(ix, '7', [1000])).get(1000)).toEqual(all[999]);
  }, 60000);

  it('updates one row and leaves its neighbours as they were; writing the same rows again changes nothing', async () => {
    const s = state();
    await s.ready();
    const page = rows(3 * INDEX_PAGE_UIDS, 4 * INDEX_PAGE_UIDS - 1);
    await s.putItems(ix, '9', page);
    const before = await s.itemsInRange(ix, '9', 0, 10 * INDEX_PAGE_UIDS);
    await s.putItems(ix, '9', page);
    expect(await s.itemsInRange(ix, '9', 0, 10 * INDEX_PAGE_UIDS)).toEqual(before);

    const one = { ...page[17]!, fl: '\\Seen \\Flagged' };
    await s.putItems(ix, '9', [one]);
    const after = await s.itemsInRange(ix, '9', 0, 10 * INDEX_PAGE_UIDS);
    expect(after.get(one.uid)).toEqual(one);
    after.set(one.uid, before.get(one.uid)!);
    expect(after).toEqual(before);
  }, 60000);
});

describe('item index, packed rows', () => {
  const ix: IndexRef = { fid: 'fpacked', indexLayout: 2 };
  const state = () => new MailState({ connectionString: storage().connectionString }, 'index:packed-rows');

  it('keeps every row of a page in one entity, a tombstone for a deleted one, and a digest of flags too long for a row', async () => {
    const s = state();
    await s.ready();
    const base = 7 * INDEX_PAGE_UIDS;
    // Written by two groups at once, as the copy's background writes do: the page holds both.
    await Promise.all([
      s.putItems(ix, '1', rows(base, base + 60)),
      s.putItems(ix, '1', rows(base + 61, base + INDEX_PAGE_UIDS - 1)),
    ]);
    let raw = await entities('index:packed-rows');
    expect(raw.length).toBe(1);
    expect(Object.keys(raw[0]!).filter((k) => /^u\d+$/.test(k)).length).toBe(INDEX_PAGE_UIDS);

    await s.deleteItems(ix, '1', [base + 5]);
    raw = await entities('index:packed-rows');
    expect(raw[0]![`u${base + 5}`]).toBe('');
    expect((await s.itemsInRange(ix, '1', base, base + INDEX_PAGE_UIDS)).size).toBe(INDEX_PAGE_UIDS - 1);

    // Thousands of keywords: the row keeps a digest, which no flag list from the source equals.
    const keywords = Array.from({ length: 400 }, (_, i) => `$keyword${i}`).join(' ');
    const long: ItemRow = { uid: base + 9, s: 'd', t: '42', fp: 'abc', fl: keywords, sz: 5 };
    await s.putItems(ix, '1', [long]);
    const read = (await s.itemsAt(ix, '1', [base + 9])).get(base + 9)!;
    expect(read).toEqual({ ...long, fl: expect.stringMatching(/^#[0-9a-f]{32}$/) });
    expect(read.fl.length).toBeLessThan(INDEX_PACKED_ROW_MAX_CHARS);
    // A target id no real target makes is refused with a clear error, before anything is written.
    const huge = { ...long, uid: base + 10, t: 'x'.repeat(INDEX_PACKED_ROW_MAX_CHARS) };
    await expect(s.putItems(ix, '1', [huge])).rejects.toMatchObject({ code: 'MAIL_STATE_FAILED' });
    expect((await s.itemsAt(ix, '1', [base + 10])).get(base + 10)).toEqual(rows(base + 10, base + 10)[0]);
  }, 60000);
});

describe('date filters', () => {
  const d = (iso: string) => new Date(iso);
  it('asks for a rescan only when a window reaches further than the one the folder was scanned with', () => {
    const before90 = filterKey(undefined, d('2026-08-28T00:00:00Z'));
    expect(filterKey()).toBe('');
    // No filter before: everything was looked at.
    expect(widensFilter('', d('2020-01-01T00:00:00Z'))).toBe(false);
    expect(widensFilter(before90)).toBe(true);
    expect(widensFilter(before90, undefined, d('2026-09-28T00:00:00Z'))).toBe(true);
    expect(widensFilter(before90, d('2025-01-01T00:00:00Z'), d('2026-08-28T00:00:00Z'))).toBe(false);
    const since = filterKey(d('2025-01-01T00:00:00Z'));
    expect(widensFilter(since, d('2024-01-01T00:00:00Z'))).toBe(true);
    expect(widensFilter(since, d('2025-06-01T00:00:00Z'))).toBe(false);
  });
});
