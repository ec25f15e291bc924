import type { ProblemDetail } from '../domain/errors';
import { copyChunk, type ChunkResult } from './chunk';
import { MailError, MailErrorCode } from './errors';
import { planMailbox, type FolderPlan } from './plan';
import { sleep } from './retry';
import { openSession } from './session';
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
  const sum = {
    copied: 0,
    bytes: 0,
    reused: 0,
    skipped: 0,
    failed: 0,
    flagsUpdated: 0,
    deleted: 0,
    foldersVisited: 0,
  };
  let error: ProblemDetail | undefined;
  try {
    const plan = await planMailbox(ctx, session);
    for (const folder of plan.folders) {
      if (folder.upToDate) continue;
      sum.foldersVisited++;
      for (;;) {
        if (ctx.signal?.aborted) throw new MailError(MailErrorCode.aborted, 'sync aborted');
        const r = await copyChunk(ctx, folder, undefined, session);
        sum.copied += r.copied;
        sum.bytes += r.bytes;
        sum.reused += r.reused;
        sum.skipped += r.skipped;
        sum.failed += r.failed;
        sum.flagsUpdated += r.flagsUpdated;
        sum.deleted += r.deleted;
        onProgress?.(r);
        if (r.error) error = r.error;
        if (r.retryAfterMs !== undefined) await sleep(r.retryAfterMs, ctx.signal);
        else if (r.done || error) break;
      }
      if (error) break;
    }
    const states = await session.state.listFolders();
    const stats = mailboxStats(states.values(), { bytes: sum.bytes, items: sum.copied, ms: Date.now() - t0 });
    return { plan, ...sum, stats, error, elapsedMs: Date.now() - t0 };
  } finally {
    await session.close();
  }
}
