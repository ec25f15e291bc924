import { useAzurite } from '../../testing/jest/azurite';
import { MailState, type FolderState } from '../../shared/mail';
import type { ItemRow } from '../../shared/mail/state';
import { filterKey, widensFilter } from '../../shared/mail/filters';
import { INDEX_BUCKET_UIDS } from '../../shared/mail/limits';

/**
 * The item index in a real Azurite: rows spread over UID buckets are found by range, by UID and by
 * fingerprint across bucket boundaries, deleted across them, and a folder keyed the older way (one
 * partition per generation) reads and writes as before. And which date filters need a rescan.
 */
const storage = useAzurite();

const rows = (from: number, to: number): ItemRow[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    uid: from + i,
    s: 'd' as const,
    t: `t${from + i}`,
    fp: (from + i) % 500 === 0 ? 'round' : `fp${from + i}`,
    fl: '',
    sz: 10,
  }));

describe.each([
  ['UID buckets', 1],
  ['one partition per generation', 0],
])('item index, %s', (_name, indexLayout) => {
  const ix: Pick<FolderState, 'fid' | 'indexLayout'> = { fid: `f${indexLayout}`, indexLayout };
  const state = () => new MailState({ connectionString: storage().connectionString }, `index:${indexLayout}`);

  it('finds rows by range, UID and fingerprint across bucket boundaries, and deletes across them', async () => {
    const s = state();
    await s.ready();
    const top = 2 * INDEX_BUCKET_UIDS + 500;
    await s.putItems(ix, '7', rows(1, top));
    // Bucketed: three partitions here; the older layout: one.
    const partitions = new Set([1, INDEX_BUCKET_UIDS, top].map((u) => s.itemPartition(ix, '7', u)));
    expect(partitions.size).toBe(indexLayout ? 3 : 1);
    const range = await s.itemsInRange(ix, '7', INDEX_BUCKET_UIDS - 5, 2 * INDEX_BUCKET_UIDS + 5);
    expect([...range.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: INDEX_BUCKET_UIDS + 11 }, (_, i) => INDEX_BUCKET_UIDS - 5 + i),
    );
    expect(range.get(INDEX_BUCKET_UIDS)).toEqual(
      expect.objectContaining({ s: 'd', t: `t${INDEX_BUCKET_UIDS}` }),
    );
    const some = await s.itemsAt(ix, '7', [3, INDEX_BUCKET_UIDS + 1, top]);
    expect([...some.keys()].sort((a, b) => a - b)).toEqual([3, INDEX_BUCKET_UIDS + 1, top]);
    const round = await s.itemsWhere(ix, '7', `fp eq 'round'`);
    expect([...round.keys()].sort((a, b) => a - b)).toEqual([500, 1000, 1500, 2000, 2500]);
    // Another generation of the same folder is apart.
    expect((await s.itemsWhere(ix, '8')).size).toBe(0);
    await s.deleteItems(ix, '7', [999, 1000, 2001]);
    expect((await s.itemsWhere(ix, '7')).size).toBe(top - 3);
    expect((await s.itemsAt(ix, '7', [999, 1000, 1001])).size).toBe(1);
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
