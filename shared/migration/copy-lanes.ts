import {
  copyChunk,
  openSession,
  planMailbox,
  type ChunkResult,
  type FolderPlanEntry,
  type FolderState,
  type MailContext,
  type MailSession,
} from '../mail';
import type { ProblemDetail } from '../domain/errors';

/**
 * The copying part of one copyMailboxChunk call: the mailbox's queued folders, `lanes` at once,
 * each lane on its own session (source and target connections kept for the whole call), chunk
 * after chunk until every folder is done or the call's time is spent. Each chunk keeps the
 * engine's checkpoint protocol (folder lease, pending/done index), so a call that ends or fails
 * between or inside chunks resumes on the next call without duplicating or losing a message. One
 * folder is only ever in one lane of one call: the lanes share one in-process queue, and calls of
 * one mailbox never overlap (the orchestration waits for each).
 */
export interface LanesOptions {
  /** Plan first (the mailbox's first call): one STATUS per folder; unchanged folders are not queued. */
  plan: boolean;
  lanes: number;
  /** Start no further chunk after this time (ms since the epoch). */
  deadline: number;
  /** After each chunk, in order (the mailbox row's progress). */
  onChunk(result: ChunkResult): Promise<void> | void;
}

export interface LanesOutcome {
  /** Every queued folder is in sync. */
  done: boolean;
  copied: number;
  skipped: number;
  bytes: number;
  /** Throttled: call again after this many ms (a durable timer, no worker held). */
  retryAfterMs?: number;
  /** The mailbox went over its bad item limit. */
  error?: ProblemDetail;
}

export async function copyQueuedFolders(ctx: MailContext, options: LanesOptions): Promise<LanesOutcome> {
  const outcome: LanesOutcome = { done: false, copied: 0, skipped: 0, bytes: 0 };
  const first = await openSession(ctx);
  const sessions: MailSession[] = [first];
  try {
    if (options.plan) {
      const plan = await planMailbox(ctx, first);
      // An unchanged mailbox costs the plan only: no folder row is read or written again.
      if (!plan.folders.some((f) => f.selectable && !f.upToDate)) return { ...outcome, done: true };
    }
    // Every lane's session sees every lane's latest folder states, so the statistics each chunk
    // reports (and the mailbox row shows) cover the whole mailbox, not one lane's folders.
    const states = await first.state.listFolders();
    first.folderStates = states;
    const queue = queuedFolders(states);
    if (queue.length === 0) return { ...outcome, done: true };
    await openLanes(ctx, sessions, Math.max(1, Math.min(options.lanes, queue.length)), states);

    let stop = false;
    let unfinished = false;
    // Progress is written in chunk order, one write at a time; a failed write fails the call.
    let progress: Promise<void> = Promise.resolve();
    let progressError: unknown;
    const lane = async (session: MailSession): Promise<void> => {
      for (let folder = queue.shift(); folder; folder = queue.shift()) {
        for (;;) {
          if (stop) {
            unfinished = true;
            return;
          }
          const r = await copyChunk(ctx, planEntry(folder), undefined, session);
          outcome.copied += r.copied;
          outcome.skipped += r.skipped;
          outcome.bytes += r.bytes;
          progress = progress
            .then(() => (progressError === undefined ? options.onChunk(r) : undefined))
            .catch((e: unknown) => {
              progressError ??= e;
            });
          if (r.error) {
            outcome.error ??= r.error;
            stop = true;
          }
          if (r.retryAfterMs !== undefined) {
            outcome.retryAfterMs = Math.max(outcome.retryAfterMs ?? 0, r.retryAfterMs);
            stop = true;
          }
          if (r.done) break;
          // The folder has more to copy: on with it, unless this call is to end.
          if (stop || Date.now() >= options.deadline) {
            unfinished = true;
            return;
          }
        }
        if (stop || Date.now() >= options.deadline) return;
      }
    };
    // A lane that fails stops the others at their next chunk; all settle before the sessions close.
    const settled = await Promise.allSettled(
      sessions.map((s) =>
        lane(s).catch((e: unknown) => {
          stop = true;
          throw e;
        }),
      ),
    );
    await progress;
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
    if (progressError !== undefined) throw progressError;
    outcome.done = !unfinished && !stop && queue.length === 0;
    return outcome;
  } finally {
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  }
}

/** The folders still to copy, in a stable order. */
function queuedFolders(states: Map<string, FolderState>): FolderState[] {
  return [...states.values()]
    .filter((f) => f.queued)
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

/**
 * Opens sessions until there is one per lane; each sees the same folder states. All are kept in
 * `sessions` (closed by the caller) even when one of them is refused, which then fails the call.
 */
async function openLanes(
  ctx: MailContext,
  sessions: MailSession[],
  lanes: number,
  states: Map<string, FolderState>,
): Promise<void> {
  const more = await Promise.allSettled(
    Array.from({ length: lanes - sessions.length }, () => openSession(ctx)),
  );
  for (const opened of more) if (opened.status === 'fulfilled') sessions.push(opened.value);
  const refused = more.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (refused) throw refused.reason;
  for (const s of sessions) s.folderStates = states;
}

/** What copyChunk needs of a queued folder (its row holds the rest). */
export function planEntry(f: FolderState): FolderPlanEntry {
  return {
    source: f.source,
    target: f.target,
    selectable: true,
    messages: f.messages,
    uidValidity: f.uidValidity,
    uidNext: f.uidNext,
    highestModseq: f.modseq,
    upToDate: false,
  };
}
