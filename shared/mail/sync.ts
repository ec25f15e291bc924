import type { ProblemDetail } from '../domain/errors';
import { copyChunk, type ChunkResult } from './chunk';
import { MailError, MailErrorCode } from './errors';
import { classifyError } from './transient';
import { planMailbox, type FolderPlan, type FolderPlanEntry } from './plan';
import { sleep } from './retry';
import { openSession, type MailSession } from './session';
import { FIRST_BACKOFF_MS, MAX_BACKOFF_MS, MAX_RETRIES, SYNC_FOLDER_CONCURRENCY } from './limits';
import type { MailContext } from './settings';
import { mailboxStats, type MailboxStats } from './stats';

export interface SyncSummary {
  plan: FolderPlan;
  copied: number;
  bytes: number;
  reused: number;
  skipped: number;
  failed: number;
  flagsUpdated: number;
  deleted: number;
  /** Folders that needed at least one call (the rest were up to date from STATUS alone). */
  foldersVisited: number;
  stats: MailboxStats;
  error?: ProblemDetail;
  elapsedMs: number;
}

type Sums = Omit<SyncSummary, 'plan' | 'stats' | 'error' | 'elapsedMs'>;

/**
 * The whole mailbox in one go, for the CLI, tests and the benchmark: plan, then chunks per folder
 * until each is done, on one set of connections. Activities call planMailbox/copyChunk instead so
 * every call stays bounded.
 */
export async function syncMailbox(
  ctx: MailContext,
  onProgress?: (r: ChunkResult) => void,
): Promise<SyncSummary> {
  const t0 = Date.now();
  const session = await openSession(ctx);
  const sum: Sums = {
    copied: 0,
    bytes: 0,
    reused: 0,
    skipped: 0,
    failed: 0,
    flagsUpdated: 0,
    deleted: 0,
    foldersVisited: 0,
  };
  try {
    const plan = await planMailbox(ctx, session);
    const queue = plan.folders.filter((f) => !f.upToDate);
    sum.foldersVisited = queue.length;
    const error = await copyFolders(ctx, session, queue, (r) => {
      sum.copied += r.copied;
      sum.bytes += r.bytes;
      sum.reused += r.reused;
      sum.skipped += r.skipped;
      sum.failed += r.failed;
      sum.flagsUpdated += r.flagsUpdated;
      sum.deleted += r.deleted;
      onProgress?.(r);
    });
    const states = await session.state.listFolders();
    const stats = mailboxStats(states.values(), { bytes: sum.bytes, items: sum.copied, ms: Date.now() - t0 });
    return { plan, ...sum, stats, error, elapsedMs: Date.now() - t0 };
  } finally {
    await session.close();
  }
}

/**
 * Folders in parallel (SYNC_FOLDER_CONCURRENCY workers, each on its own connections: appends into
 * different folders do not contend, and one folder's round trips overlap another's transfer), each
 * folder chunk after chunk until done. Returns the mailbox error a chunk reported (bad item limit).
 */
async function copyFolders(
  ctx: MailContext,
  session: MailSession,
  queue: FolderPlanEntry[],
  onChunk: (r: ChunkResult) => void,
): Promise<ProblemDetail | undefined> {
  let error: ProblemDetail | undefined;
  let stop = false;
  const live: Array<MailSession | undefined> = [session];
  const work = async (i: number): Promise<void> => {
    for (let folder = queue.shift(); folder && !error; folder = queue.shift()) {
      for (;;) {
        if (stop) return;
        if (ctx.signal?.aborted) throw new MailError(MailErrorCode.aborted, 'sync aborted');
        const r = await chunkWithRetries(ctx, live, i, folder);
        onChunk(r);
        if (r.error) error = r.error;
        if (r.retryAfterMs !== undefined) await sleep(r.retryAfterMs, ctx.signal);
        else if (r.done || error) break;
      }
    }
  };
  const worker = async (i: number): Promise<void> => {
    try {
      await work(i);
    } catch (e) {
      stop = true;
      throw e;
    }
  };
  const extra = Math.min(SYNC_FOLDER_CONCURRENCY, queue.length) - 1;
  try {
    for (let i = 0; i < extra; i++) live.push(await openSession(ctx));
    // Settle every worker before closing connections; then report the first failure.
    const settled = await Promise.allSettled(live.map((_, i) => worker(i)));
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await Promise.all(live.filter((x) => x && x !== session).map((x) => x?.close()));
  }
  return error;
}

/** A chunk on worker i's connections; after a transient error they are reopened and the chunk retried. */
async function chunkWithRetries(
  ctx: MailContext,
  live: Array<MailSession | undefined>,
  i: number,
  folder: FolderPlanEntry,
): Promise<ChunkResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await copyChunk(ctx, folder, undefined, live[i]);
    } catch (e) {
      // Transient (a drop, throttling, a lost answer, a 5xx): reopen and try the chunk again;
      // the checkpoint and the in-flight mark make that safe.
      const cls = classifyError(e);
      if (!cls.transient || attempt >= MAX_RETRIES) throw e;
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** attempt);
      await sleep(Math.max(backoff, cls.retryAfterMs ?? 0), ctx.signal);
      await live[i]?.close();
      live[i] = await openSession(ctx);
    }
  }
}
