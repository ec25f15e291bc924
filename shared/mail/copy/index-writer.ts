import type { ItemRow, MailState, IndexRef } from '../state';

/**
 * The item index's `done` rows, written in the background while the next group is read and
 * appended (MailState.putItems: per partition, ≤ 100 rows per transaction). `settle` waits for
 * every write so far: the checkpoint never moves past a message before its row is stored.
 * `waitedMs` is the time callers spent blocked in `settle` (what the index costs the chunk).
 */
export class IndexWriter {
  private pending: Array<Promise<void>> = [];
  private failure: unknown;
  waitedMs = 0;

  constructor(
    private readonly store: MailState,
    private readonly ix: IndexRef,
    private readonly uidValidity: string,
  ) {}

  write(rows: ItemRow[]): void {
    if (!rows.length) return;
    const p = this.store.putItems(this.ix, this.uidValidity, rows).catch((e: unknown) => {
      this.failure ??= e;
    });
    this.pending.push(p);
  }

  /** Waits for every write so far; throws the first failure (unless `quiet`). */
  async settle(quiet = false): Promise<void> {
    const t0 = Date.now();
    while (this.pending.length) await Promise.all(this.pending.splice(0));
    this.waitedMs += Date.now() - t0;
    if (!quiet && this.failure !== undefined) throw this.failure;
  }

  get failed(): unknown {
    return this.failure;
  }
}
