import { z } from 'zod';

/**
 * A mailbox's live progress as a person reads it while it copies: the folder being copied, mail
 * items and bytes against what the source holds, the rate over the last few minutes and the time
 * left. Stored on the mailbox row (one JSON column) each time a chunk reports, so the API, the
 * dashboard and `mailferry watch` all show the same numbers.
 *
 * The rate is measured over a window of recent samples rather than the last chunk alone: one
 * chunk's rate swings with message sizes and throttling, and a time left that jumps from 2 to 40
 * minutes between two refreshes is no help to anyone.
 */

/** How far back the rate looks. */
export const RATE_WINDOW_MS = 5 * 60_000;
/** Samples kept on the row (one per chunk, the oldest dropped first): bounds the column's size. */
export const MAX_RATE_SAMPLES = 20;

/** [epoch ms, mail items copied, mail bytes copied] at one chunk's report. */
const sampleSchema = z.tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()]);
export type ProgressSample = z.infer<typeof sampleSchema>;

export const mailboxProgressSchema = z.object({
  /** The source folder the last chunk copied; '' once every folder is in sync. */
  currentFolder: z.string(),
  /** Mail items in the source folders at the last look. */
  sourceItems: z.number().nonnegative(),
  /** Mail items accounted for: copied, skipped or failed (the part of sourceItems that is done). */
  itemsDone: z.number().nonnegative(),
  /** Mail items and bytes copied. Contacts and events are counted on the row itself. */
  mailItems: z.number().nonnegative(),
  mailBytes: z.number().nonnegative(),
  /** Over the last RATE_WINDOW_MS (the last chunk's own rate until there are two samples). */
  itemsPerMinute: z.number().nonnegative(),
  bytesPerMinute: z.number().nonnegative(),
  /** Seconds left at that rate; absent while nothing has been measured. */
  etaSeconds: z.number().nonnegative().optional(),
  samples: z.array(sampleSchema).max(MAX_RATE_SAMPLES),
  at: z.iso.datetime({ offset: true }),
});
export type MailboxProgress = z.infer<typeof mailboxProgressSchema>;

/** What one chunk reports: the engine's totals over every folder of the mailbox. */
export interface ChunkTotals {
  folder: string;
  /** True when no folder is left to copy. */
  finished: boolean;
  sourceItems: number;
  itemsSynced: number;
  itemsSkipped: number;
  itemsFailed: number;
  bytesSynced: number;
  /** The last chunk's own rate, used until the window has two samples. */
  itemsPerSecond: number;
  bytesPerSecond: number;
}

/** The progress after a chunk's report, from the previous progress (if any) and the chunk's totals. */
export function nextProgress(
  previous: MailboxProgress | undefined,
  totals: ChunkTotals,
  now: Date = new Date(),
): MailboxProgress {
  const t = now.getTime();
  const kept = (previous?.samples ?? []).filter(
    // Older than the window, or from a pass whose totals were since reset: not this run's rate.
    ([at, items, bytes]) =>
      t - at <= RATE_WINDOW_MS && items <= totals.itemsSynced && bytes <= totals.bytesSynced,
  );
  const sample: ProgressSample = [t, totals.itemsSynced, totals.bytesSynced];
  const samples = [...kept, sample].slice(-MAX_RATE_SAMPLES);
  const rate = windowRate(samples) ?? {
    itemsPerMinute: totals.itemsPerSecond * 60,
    bytesPerMinute: totals.bytesPerSecond * 60,
  };
  const itemsDone = totals.itemsSynced + totals.itemsSkipped + totals.itemsFailed;
  const left = Math.max(0, totals.sourceItems - itemsDone);
  const etaSeconds =
    left === 0 || totals.finished
      ? 0
      : rate.itemsPerMinute > 0
        ? Math.round((left / rate.itemsPerMinute) * 60)
        : undefined;
  return {
    currentFolder: totals.finished ? '' : totals.folder,
    sourceItems: totals.sourceItems,
    itemsDone,
    mailItems: totals.itemsSynced,
    mailBytes: totals.bytesSynced,
    itemsPerMinute: round1(rate.itemsPerMinute),
    bytesPerMinute: Math.round(rate.bytesPerMinute),
    ...(etaSeconds === undefined ? {} : { etaSeconds }),
    samples,
    at: now.toISOString(),
  };
}

/** Percent of the source's mail accounted for, 0..100 (100 when the source is empty). */
export function percentDone(p: Pick<MailboxProgress, 'sourceItems' | 'itemsDone'>): number {
  if (p.sourceItems <= 0) return 100;
  return Math.min(100, Math.floor((p.itemsDone / p.sourceItems) * 100));
}

function windowRate(
  samples: readonly ProgressSample[],
): { itemsPerMinute: number; bytesPerMinute: number } | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last[0] - first[0] < 1000) return undefined;
  const minutes = (last[0] - first[0]) / 60_000;
  return { itemsPerMinute: (last[1] - first[1]) / minutes, bytesPerMinute: (last[2] - first[2]) / minutes };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The engine's per-mailbox statistics of a chunk (shared/mail's MailboxStats), as progress reads them. */
export function chunkTotals(
  folder: string,
  finished: boolean,
  stats: Omit<ChunkTotals, 'folder' | 'finished'>,
): ChunkTotals {
  return {
    folder,
    finished,
    sourceItems: stats.sourceItems,
    itemsSynced: stats.itemsSynced,
    itemsSkipped: stats.itemsSkipped,
    itemsFailed: stats.itemsFailed,
    bytesSynced: stats.bytesSynced,
    itemsPerSecond: stats.itemsPerSecond,
    bytesPerSecond: stats.bytesPerSecond,
  };
}
