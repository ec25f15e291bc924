import type { ProblemDetail } from '../domain/errors';
import { MailError, MailErrorCode } from './errors';
import { DEFERRED_RETRY_MS } from './limits';
import { busy, leaseWait, newOwner, releaseLease } from './lease';
import { copyMessages, copyNewMessages, copyRescanChunk, emptyOutcome, type Checkpoint } from './copy';
import { filterKey, widensFilter } from './filters';
import { mirrorDeletions, syncFlags } from './flags';
import type { FolderPlanEntry } from './plan';
import { openSession, type MailSession } from './session';
import type { MailContext } from './settings';
import type { FolderState } from './state';
import { folderStats, mailboxStats, type FolderStats, type MailboxStats } from './stats';

export interface ChunkResult {
  folder: string;
  target: string;
  /** The folder is fully in sync (messages, flags); no further call needed until the next sync. */
  done: boolean;
  copied: number;
  bytes: number;
  /** Found already on the target (crash recovery or after a UIDVALIDITY change). */
  reused: number;
  skipped: number;
  skippedBytes: number;
  /** Of the skipped, those the target refused for good. */
  failed: number;
  /** Time the call waited for the item index's writes after its appends (ms). */
  indexWaitMs: number;
  flagsUpdated: number;
  deleted: number;
  nextCheckpoint: Checkpoint;
  /** Throttled for longer than a call should sleep: call again after this many ms (durable timer). */
  retryAfterMs?: number;
  folderStats: FolderStats;
  mailboxStats: MailboxStats;
  /** Set when the mailbox exceeded `badItemLimit`: the mailbox should be marked Failed. */
  error?: ProblemDetail;
  elapsedMs: number;
}

/**
 * One bounded call: copies at most one chunk of new messages of one folder (bounded by messages,
 * bytes and time: CHUNK_MAX_* in limits.ts), and once the folder is caught up, its flag changes
 * (and deletions when mirroring).
 * Safe to retry at any point. The checkpoint lives in Table Storage; `checkpoint` is informational.
 */
export async function copyChunk(
  ctx: MailContext,
  folder: FolderPlanEntry,
  _checkpoint?: Checkpoint,
  session?: MailSession,
): Promise<ChunkResult> {
  const t0 = Date.now();
  const s = session ?? (await openSession(ctx));
  const owner = newOwner();
  let leased = '';
  try {
    const state = await s.state.getFolder(folder.source);
    if (!state) {
      throw new MailError(
        MailErrorCode.folderMissing,
        `folder ${folder.source} is not in the plan; run planMailbox first`,
        {
          folder: folder.source,
        },
      );
    }
    const wait = state ? await leaseWait(ctx.storage, state, owner) : 0;
    if (state && wait > 0) throw busy(state, wait);
    leased = folder.source;
    const result = await run(ctx, s, state, folder, owner);
    leased = '';
    // Every folder's statistics: read once per session, then kept current by this session's calls.
    const all = (s.folderStates ??= await s.state.listFolders());
    all.set(state.source, state);
    const mbx = mailboxStats(all.values(), {
      bytes: result.bytes,
      items: result.copied,
      ms: Date.now() - t0,
    });
    const error =
      mbx.itemsFailed > s.options.badItemLimit
        ? new MailError(
            MailErrorCode.badItemLimit,
            `${mbx.itemsFailed} items failed, more than the bad item limit of ${s.options.badItemLimit}; see the skipped items`,
            { itemsFailed: mbx.itemsFailed, badItemLimit: s.options.badItemLimit },
          ).toJSON()
        : undefined;
    return {
      ...result,
      folderStats: folderStats(state),
      mailboxStats: mbx,
      error,
      elapsedMs: Date.now() - t0,
    };
  } catch (e) {
    if (leased) await releaseLease(s.state, leased, owner);
    throw e;
  } finally {
    if (!session) await s.close();
  }
}

type RunResult = Omit<ChunkResult, 'folderStats' | 'mailboxStats' | 'elapsedMs' | 'error'>;

async function run(
  ctx: MailContext,
  s: MailSession,
  state: FolderState,
  folder: FolderPlanEntry,
  owner: string,
): Promise<RunResult> {
  const base = {
    folder: state.source,
    target: state.target,
    done: true,
    ...emptyOutcome(),
    flagsUpdated: 0,
    deleted: 0,
  };
  if (!folder.selectable) return { ...base, nextCheckpoint: checkpointOf(state) };
  const box = await s.source.examine(state.source);
  adoptGeneration(state, box);
  adoptFilter(state, s);
  state.messages = box.exists;
  state.uidNext = box.uidNext;
  if (folder.sizeBytes !== undefined) state.sourceBytes = folder.sizeBytes;
  const scope = {
    session: s,
    mailboxKey: ctx.mailboxKey,
    state,
    hooks: ctx.hooks,
    signal: ctx.signal,
    owner,
  };
  let outcome = emptyOutcome();
  let flagsUpdated = 0;
  let deleted = 0;
  let deferred = 0;
  try {
    if (state.rescanEnd > 0) outcome = await copyRescanChunk(scope);
    else if (box.exists > 0 && box.uidNext - 1 > state.lastUid)
      outcome = await copyNewMessages(scope, box.uidNext);
    else state.lastUid = Math.max(state.lastUid, box.uidNext - 1);
    if (!outcome.more) {
      deferred = await retryEligibleSkipped(s, scope, outcome);
      flagsUpdated = await syncFlags(s, ctx.mailboxKey, state, box.highestModseq);
      if (s.options.mirrorDeletions && state.initialDone) deleted = await mirrorDeletions(s, state);
      state.modseq = box.highestModseq;
      state.initialDone = true;
      state.rebaseFrom = '';
      state.lastSyncAt = new Date().toISOString();
    }
  } catch (e) {
    const wait = e instanceof MailError ? (e.details.retryAfterMs as number | undefined) : undefined;
    if (wait === undefined || (e as MailError).code !== MailErrorCode.throttled) throw e;
    state.lease = '';
    await s.state.putFolder(state);
    const partial = { ...base, ...outcome, flagsUpdated, deleted };
    return { ...partial, done: false, retryAfterMs: wait, nextCheckpoint: checkpointOf(state) };
  }
  // The checkpoint, and the folder free again (and off the plan once in sync).
  state.lease = '';
  if (!outcome.more && deferred === 0) state.queued = false;
  await s.state.putFolder(state);
  const result = { ...base, ...outcome, flagsUpdated, deleted, nextCheckpoint: checkpointOf(state) };
  // Messages the target refused for now keep the folder open: another pass after a short wait.
  if (deferred > 0 && !outcome.more) return { ...result, done: false, retryAfterMs: DEFERRED_RETRY_MS };
  return { ...result, done: !outcome.more };
}

const checkpointOf = (state: FolderState): Checkpoint => ({
  uidValidity: state.uidValidity,
  lastUid: state.lastUid,
  modseq: state.modseq,
});

/**
 * The source renumbered the folder: start over in a new index generation, reusing copies of the
 * old one by fingerprint so nothing is appended twice.
 */
function adoptGeneration(state: FolderState, box: { uidValidity: string; highestModseq: string }): void {
  if (box.uidValidity === state.uidValidity) return;
  if (state.lastUid > 0 || state.initialDone) state.rebaseFrom = state.rebaseFrom || state.uidValidity;
  state.uidValidity = box.uidValidity;
  state.lastUid = 0;
  state.inflight = 0;
  state.modseq = box.highestModseq;
  state.initialDone = false;
  state.rescanUid = 0;
  state.rescanEnd = 0;
  state.rescanInflight = 0;
}

/**
 * A pass whose date filter reaches further than the one the folder was scanned with rescans the
 * UIDs below the checkpoint (the old filter let the checkpoint pass the messages it left out).
 */
function adoptFilter(state: FolderState, s: MailSession): void {
  const key = filterKey(s.options.since, s.options.before);
  if (key === state.filterKey) return;
  if (state.lastUid > 0 && widensFilter(state.filterKey, s.options.since, s.options.before)) {
    state.rescanEnd = Math.max(state.rescanEnd, state.lastUid);
    state.rescanUid = 0;
  }
  state.filterKey = key;
}

/**
 * Items skipped as too large are copied once the limit allows them (e.g. `maxMessageSizeMB`
 * raised); items the target refused for now are tried again. Returns how many are still refused
 * for now.
 */
async function retryEligibleSkipped(
  s: MailSession,
  outer: Parameters<typeof copyMessages>[0],
  outcome: ReturnType<typeof emptyOutcome>,
): Promise<number> {
  const { state } = outer;
  const max = s.target.capabilities.maxMessageBytes;
  // Too large for the old limit, or refused "for now" by the target on an earlier pass.
  const eligible = (await s.state.listSkipped(state.source)).filter(
    (k) =>
      k.uidValidity === state.uidValidity && ((k.kind === 'tooLarge' && k.size <= max) || k.kind === 'retry'),
  );
  if (!eligible.length) return 0;
  const deferTries = new Map(eligible.filter((k) => k.kind === 'retry').map((k) => [k.uid, k.tries ?? 1]));
  const scope = { ...outer, deferTries };
  const metas = await s.source.meta(eligible.map((k) => k.uid));
  for (const m of metas) await copyMessages(scope, [m], outcome);
  const copied = await s.state.itemsAt(
    state,
    state.uidValidity,
    metas.map((m) => m.uid),
  );
  const listed = new Map(
    (await s.state.listSkipped(state.source))
      .filter((k) => k.uidValidity === state.uidValidity)
      .map((k) => [k.uid, k]),
  );
  for (const k of eligible) {
    const isCopied = copied.get(k.uid)?.s === 'd';
    if (isCopied) await s.state.deleteSkipped(k);
    // A too-large item counted as skipped: uncounted once copied, or listed anew as refused
    // (counted again then) or as refused for now (not a skipped item).
    const relisted = listed.get(k.uid)?.kind;
    if (k.kind === 'tooLarge' && (isCopied || (relisted && relisted !== 'tooLarge'))) {
      state.itemsSkipped--;
      state.bytesSkipped -= k.size;
    }
  }
  // Gone from the source: no longer a skipped item.
  const present = new Set(metas.map((m) => m.uid));
  for (const k of eligible) if (!present.has(k.uid)) await s.state.deleteSkipped(k);
  return [...listed.values()].filter(
    (k) => k.kind === 'retry' && present.has(k.uid) && copied.get(k.uid)?.s !== 'd',
  ).length;
}
