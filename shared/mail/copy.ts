import { CHUNK_MAX_BYTES, CHUNK_MAX_MESSAGES, CHUNK_MAX_MS } from './limits';
import { takeLease } from './lease';
import type { MailSession } from './session';
import type { MessageMeta } from './source';
import type { ItemRow } from './state';
import { Appender } from './copy/appender';
import { classify, needsIndex, type Sorted } from './copy/classify';
import { IndexWriter } from './copy/index-writer';
import { resolveLostAnswers } from './copy/lost-answers';
import { recoverKnownCopies, type Recovered } from './copy/recover';
import { markOf, type CopyScope, type NewMessagesOutcome } from './copy/scope';
import { emptyOutcome } from './copy/scope';

export { itemKey } from './copy/rows';
export { emptyOutcome, type CopyScope, type NewMessagesOutcome } from './copy/scope';

/**
 * Copying one folder's messages that are not on the target yet, one bounded chunk per call.
 *
 * Never duplicating, never losing, across retries and crashes — the protocol, per chunk:
 * 1. Read the index rows of the chunk's UID range. `done` rows are on the target: skip them.
 * 2. BEFORE any APPEND, raise the folder's in-flight mark (`inflight`, one entity write) to the
 *    highest UID about to be appended.
 * 3. APPEND in groups; as each group's answer comes in, write its `done` rows (target UID from
 *    APPENDUID, fingerprint = Message-ID + size + INTERNALDATE, flags) in the background; wait for
 *    every row before the checkpoint moves past them (the caller writes the checkpoint).
 * A crash between 2 and 3 leaves messages at or below the in-flight mark without a `done` row: the
 * next call cannot know whether their APPEND happened, so it asks the target for messages with the
 * same fingerprint, removes those already claimed by `done` rows of the folder, and takes one of
 * the rest as "already appended"; only when none is left does it append again. That works with and
 * without UIDPLUS. Identity stays (folder, UIDVALIDITY, UID): two messages with the same Message-ID,
 * or byte-identical copies, are separate rows and each is appended; the fingerprint only matters
 * for suspects, where claiming is counted (n suspect twins need n unclaimed copies on the target).
 * The in-flight mark costs one write per chunk instead of a "pending" row per message.
 *
 * A chunk is bounded by messages, bytes and time (limits.ts): when its time runs out, the groups
 * not started are left for the next call and the checkpoint stops just below them.
 *
 * Messages below the checkpoint that an earlier pass's date filter left out are copied by a
 * rescan (copyRescanChunk) with its own in-flight mark, `rescanInflight`, under the same protocol.
 */

export interface Checkpoint {
  uidValidity: string;
  lastUid: number;
  modseq: string;
}

/** Copies the next chunk of messages above `state.lastUid`; advances `state` (the caller saves it). */
export async function copyNewMessages(scope: CopyScope, uidNext: number): Promise<NewMessagesOutcome> {
  const { session, state } = scope;
  const out = emptyOutcome();
  const uids = await session.source.uidsAfter(state.lastUid);
  const chunk = await nextChunk(session, uids);
  const last = chunk[chunk.length - 1];
  if (last) {
    const through = await copyMessages({ ...scope, deadline: Date.now() + CHUNK_MAX_MS }, chunk, out);
    state.lastUid = through;
    out.more = uids.some((u) => u > through);
  }
  if (!out.more) state.lastUid = Math.max(state.lastUid, uidNext - 1);
  return out;
}

/**
 * One chunk of the rescan below the checkpoint (state.rescanUid → rescanEnd) after the pass's date
 * filter changed; resets the rescan once it has reached its end. `more` when some of it remains.
 */
export async function copyRescanChunk(scope: CopyScope): Promise<NewMessagesOutcome> {
  const { session, state } = scope;
  const out = emptyOutcome();
  const uids = (await session.source.uidsAfter(state.rescanUid)).filter((u) => u <= state.rescanEnd);
  // What an earlier pass listed as skipped was counted then: the rescan leaves it to the retries.
  const skippedUids = new Set(
    (await session.state.listSkipped(state.source))
      .filter((k) => k.uidValidity === state.uidValidity)
      .map((k) => k.uid),
  );
  // Most of a rescan is passed over (already done), so only messages and time bound its chunk.
  const chunk = await session.source.meta(uids.slice(0, CHUNK_MAX_MESSAGES));
  let through = uids[Math.min(uids.length, CHUNK_MAX_MESSAGES) - 1] ?? state.rescanEnd;
  if (chunk.length) {
    const rescan = { ...scope, rescan: { skippedUids }, deadline: Date.now() + CHUNK_MAX_MS };
    const handled = await copyMessages(rescan, chunk, out);
    if (handled < (chunk[chunk.length - 1]?.uid ?? 0)) through = handled;
  }
  if (uids.some((u) => u > through)) {
    state.rescanUid = through;
    out.more = true;
  } else {
    state.rescanUid = 0;
    state.rescanEnd = 0;
    state.rescanInflight = 0;
  }
  return out;
}

/** The first messages of `uids` within the chunk's message and byte budgets (a larger one alone). */
async function nextChunk(session: MailSession, uids: number[]): Promise<MessageMeta[]> {
  if (!uids.length) return [];
  const metas = await session.source.meta(uids.slice(0, CHUNK_MAX_MESSAGES));
  const chunk: MessageMeta[] = [];
  let bytes = 0;
  for (const m of metas) {
    if (chunk.length && bytes + m.size > CHUNK_MAX_BYTES) break;
    chunk.push(m);
    bytes += m.size;
  }
  return chunk;
}

/**
 * Copies the given messages (a chunk, or skipped items now eligible) with the protocol above.
 * Updates `out` and the folder's statistics; writes index and skipped rows. Returns the highest
 * UID handled: the chunk's last, or just below the first group the time budget left unstarted.
 */
export async function copyMessages(
  scope: CopyScope,
  chunk: MessageMeta[],
  out: NewMessagesOutcome,
): Promise<number> {
  const { session, state } = scope;
  const first = chunk[0];
  const last = chunk[chunk.length - 1];
  if (!first || !last) return 0;
  const before = { ...out };
  const index = needsIndex(scope, first)
    ? await session.state.itemsInRange(state, state.uidValidity, first.uid, last.uid)
    : new Map<number, ItemRow>();
  const sorted = classify(scope, chunk, index);
  const recovered = await recoverKnownCopies(scope, sorted);
  const mark = markOf(scope);
  const markBefore = state[mark];
  await raiseInflightMark(scope, sorted.toCopy, recovered.rows);

  const writer = new IndexWriter(session.state, state, state.uidValidity);
  const appender = new Appender(scope, out, writer);
  await appender.appendAll(sorted.toCopy, true);
  await resolveLostAnswers(scope, appender, writer, out);
  await writer.settle(true);
  out.indexWaitMs += writer.waitedMs;
  const through = appender.unstarted[0] ? appender.unstarted[0].uid - 1 : last.uid;
  // Groups never started were never sent: the mark need not make the next call look for them.
  if (appender.unstarted.length) state[mark] = Math.max(markBefore, appender.topStarted);
  if (appender.fatal === undefined && !appender.crashed) await listSkipped(scope, sorted, appender, through);
  if (appender.fatal !== undefined) throw appender.fatal;
  if (writer.failed !== undefined) throw writer.failed;
  account(scope, sorted, recovered, appender, out, through);
  state.itemsSynced += out.copied + out.reused - before.copied - before.reused;
  state.bytesSynced += out.bytes - before.bytes;
  return through;
}

/**
 * Step 2: the in-flight mark and the folder's lease, one conditional write before any APPEND
 * (alongside the rows of messages found already on the target).
 */
async function raiseInflightMark(scope: CopyScope, toCopy: MessageMeta[], rows: ItemRow[]): Promise<void> {
  const { session, state, owner } = scope;
  const writes: Array<Promise<void>> = [];
  if (toCopy.length) {
    const mark = markOf(scope);
    state[mark] = Math.max(state[mark], ...toCopy.map((m) => m.uid));
    writes.push(takeLease(session.state, state, owner));
  }
  if (rows.length) writes.push(session.state.putItems(state, state.uidValidity, rows));
  await Promise.all(writes);
}

/** The skipped list: too large (up to `through`), refused for good, refused for now. */
async function listSkipped(
  scope: CopyScope,
  sorted: Sorted,
  appender: Appender,
  through: number,
): Promise<void> {
  const { session } = scope;
  const listed = [
    ...sorted.tooLarge.filter((k) => k.uid <= through),
    ...appender.failed,
    ...appender.deferred,
  ];
  if (!listed.length) return;
  const subjects = await session.source.subjects(listed.map((k) => k.uid));
  for (const k of listed) k.subject = subjects.get(k.uid) ?? '';
  await session.state.putSkipped(listed);
}

/**
 * This call's counts, for messages up to `through` only: what lies above is classified again by
 * the next call (a done row written here is then counted as reused, once).
 */
function account(
  scope: CopyScope,
  sorted: Sorted,
  recovered: Recovered,
  appender: Appender,
  out: NewMessagesOutcome,
  through: number,
): void {
  const { state } = scope;
  const within = <T extends { uid: number }>(list: T[]): T[] => list.filter((m) => m.uid <= through);
  for (const m of within(sorted.alreadyDone)) {
    // Appended and indexed by an attempt that stopped before saving the checkpoint and counters
    // (which are written together): it is on the target, so it counts now.
    out.reused++;
    out.bytes += m.size;
  }
  out.reused += within(recovered.found).length;
  out.filtered += within(sorted.filtered).length;
  // Too large and refused for good are both skipped items; the refused also count as failed.
  const skipped = [...within(sorted.tooLarge), ...appender.failed];
  const skippedBytes = skipped.reduce((n, k) => n + k.size, 0);
  out.skipped += skipped.length;
  out.skippedBytes += skippedBytes;
  out.failed += appender.failed.length;
  state.itemsSkipped += skipped.length;
  state.bytesSkipped += skippedBytes;
  state.itemsFailed += appender.failed.length;
}
