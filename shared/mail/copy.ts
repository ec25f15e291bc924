import {
  APPEND_BATCH_BYTES,
  CHUNK_MAX_BYTES,
  CHUNK_MAX_MESSAGES,
  MAX_DEFERRED_PASSES,
  MAX_UNKNOWN_ROUNDS,
} from './limits';
import { MailError, MailErrorCode, isOutcomeUnknown } from './errors';
import { processBudget } from './budget';
import { dueForRenewal, takeLease } from './lease';
import { dateFilter } from './filters';
import type { MailSession } from './session';
import type { MessageMeta } from './source';
import { fingerprintHash, type FolderState, type ItemRow, type SkippedItem } from './state';
import type { AppendResult, Fingerprint, TargetMessage } from './target';
import type { CopyHooks } from './settings';
import { createHash } from 'node:crypto';

/**
 * Copying one folder's messages that are not on the target yet, one bounded chunk per call.
 *
 * Never duplicating, never losing, across retries and crashes — the protocol, per chunk:
 * 1. Read the index rows of the chunk's UID range. `done` rows are on the target: skip them.
 * 2. BEFORE any APPEND, raise the folder's in-flight mark (`inflight`, one entity write) to the
 *    highest UID about to be appended.
 * 3. APPEND in batches; after each batch write its `done` rows (target UID from APPENDUID,
 *    fingerprint = Message-ID + size + INTERNALDATE, flags); at the end move the checkpoint.
 * A crash between 2 and 3 leaves messages at or below the in-flight mark without a `done` row: the
 * next call cannot know whether their APPEND happened, so it asks the target for messages with the
 * same fingerprint, removes those already claimed by `done` rows of the folder, and takes one of
 * the rest as "already appended"; only when none is left does it append again. That works with and
 * without UIDPLUS. Identity stays (folder, UIDVALIDITY, UID): two messages with the same Message-ID,
 * or byte-identical copies, are separate rows and each is appended; the fingerprint only matters
 * for suspects, where claiming is counted (n suspect twins need n unclaimed copies on the target).
 * The in-flight mark costs one write per chunk instead of a "pending" row per message. */

export interface Checkpoint {
  uidValidity: string;
  lastUid: number;
  modseq: string;
}

export interface NewMessagesOutcome {
  copied: number;
  bytes: number;
  /** Found on the target (after a crash, or reused after a UIDVALIDITY change). */
  reused: number;
  skipped: number;
  skippedBytes: number;
  failed: number;
  filtered: number;
  /** More messages above the checkpoint remain. */
  more: boolean;
}

export const emptyOutcome = (): NewMessagesOutcome => ({
  copied: 0,
  bytes: 0,
  reused: 0,
  skipped: 0,
  skippedBytes: 0,
  failed: 0,
  filtered: 0,
  more: false,
});

/** The key a target may store to find this message again (Graph: an extended property). */
export function itemKey(mailboxKey: string, folder: string, uidValidity: string, uid: number): string {
  return createHash('sha256')
    .update(`${mailboxKey}\n${folder}\n${uidValidity}\n${uid}`)
    .digest('hex')
    .slice(0, 32);
}

interface CopyScope {
  session: MailSession;
  mailboxKey: string;
  state: FolderState;
  hooks?: CopyHooks;
  signal?: AbortSignal;
  /** Passes on which the target already refused a message for now (UID → count). */
  deferTries?: Map<number, number>;
  /** This call's lease owner id (lease.ts). */
  owner: string;
}

/** Copies the next chunk of messages above `state.lastUid`; advances `state` (the caller saves it). */
export async function copyNewMessages(scope: CopyScope, uidNext: number): Promise<NewMessagesOutcome> {
  const { session, state } = scope;
  const out = emptyOutcome();
  const uids = await session.source.uidsAfter(state.lastUid);
  if (!uids.length) {
    state.lastUid = Math.max(state.lastUid, uidNext - 1);
    return out;
  }
  const metas = await session.source.meta(uids.slice(0, CHUNK_MAX_MESSAGES));
  const chunk: MessageMeta[] = [];
  let bytes = 0;
  for (const m of metas) {
    if (chunk.length && bytes + m.size > CHUNK_MAX_BYTES) break;
    chunk.push(m);
    bytes += m.size;
  }
  const last = chunk[chunk.length - 1];
  if (!last) return out;
  out.more = uids.length > chunk.length;
  await copyMessages(scope, chunk, out);
  state.lastUid = last.uid;
  if (!out.more) state.lastUid = Math.max(state.lastUid, uidNext - 1);
  return out;
}

/**
 * Copies the given messages (a chunk, or skipped items now eligible) with the protocol above.
 * Updates `out` and the folder's statistics; writes index and skipped rows.
 */
export async function copyMessages(
  scope: CopyScope,
  chunk: MessageMeta[],
  out: NewMessagesOutcome,
): Promise<void> {
  const { session, state, mailboxKey } = scope;
  const { target, options } = session;
  const uv = state.uidValidity;
  const inDates = dateFilter(options.since, options.before);
  const maxBytes = target.capabilities.maxMessageBytes;
  const first = chunk[0];
  const last = chunk[chunk.length - 1];
  if (!first || !last) return;
  // Index rows above the checkpoint exist only after an interrupted attempt (up to the in-flight
  // mark) or while re-syncing a new UIDVALIDITY generation; otherwise the query is skipped.
  const index =
    first.uid <= state.inflight || state.rebaseFrom
      ? await session.state.itemsInRange(state.fid, uv, first.uid, last.uid)
      : new Map<number, ItemRow>();

  const toCopy: MessageMeta[] = [];
  const pending: MessageMeta[] = [];
  const skipped: SkippedItem[] = [];
  for (const m of chunk) {
    const row = index.get(m.uid);
    if (row?.s === 'd') {
      // Appended and indexed by an attempt that stopped before saving the checkpoint and counters
      // (which are written together): it is on the target, so it counts now.
      out.reused++;
      out.bytes += m.size;
      continue;
    }
    if (!inDates(m.internalDate)) {
      out.filtered++;
      continue;
    }
    if (m.size > maxBytes) {
      skipped.push(
        skippedItem(
          state,
          m,
          'tooLarge',
          `message is ${mb(m.size)} MB; the target accepts up to ${mb(maxBytes)} MB` +
            (target.capabilities.tooLargeHint ? `. ${target.capabilities.tooLargeHint}` : ''),
        ),
      );
      continue;
    }
    if (m.uid <= state.inflight) pending.push(m);
    else toCopy.push(m);
  }

  const doneRows: ItemRow[] = [];
  // Crash recovery: which pending messages did reach the target?
  if (pending.length) {
    const reused = await claimOnTarget(scope, pending);
    for (const m of pending) {
      const id = reused.get(m.uid);
      if (id === undefined) toCopy.push(m);
      else {
        doneRows.push(row(m, 'd', id));
        out.reused++;
      }
    }
    toCopy.sort((a, b) => a.uid - b.uid);
  }
  // After a UIDVALIDITY change: messages of the old generation already on the target are reused.
  if (state.rebaseFrom && toCopy.length) {
    const reused = await reuseOldGeneration(scope, toCopy);
    for (let i = toCopy.length - 1; i >= 0; i--) {
      const m = toCopy[i]!;
      const id = reused.get(m.uid);
      if (id !== undefined) {
        doneRows.push(row(m, 'd', id));
        out.reused++;
        toCopy.splice(i, 1);
      }
    }
  }

  if (skipped.length) {
    const subjects = await session.source.subjects(skipped.map((k) => k.uid));
    for (const k of skipped) k.subject = subjects.get(k.uid) ?? '';
    await session.state.putSkipped(skipped);
    out.skipped += skipped.length;
    out.skippedBytes += skipped.reduce((n, s) => n + s.size, 0);
  }

  // Step 2: the in-flight mark and the folder's lease, one conditional write before any APPEND (and
  // the rows of messages found already there).
  const writes: Array<Promise<void>> = [];
  const top = toCopy.reduce((n, m) => Math.max(n, m.uid), 0);
  if (toCopy.length) {
    state.inflight = Math.max(state.inflight, top);
    writes.push(takeLease(session.state, state, scope.owner));
  }
  if (doneRows.length) writes.push(session.state.putItems(state.fid, uv, doneRows.splice(0)));
  await Promise.all(writes.splice(0));

  const byUid = new Map(toCopy.map((m) => [m.uid, m]));
  const failed: SkippedItem[] = [];
  const deferred: SkippedItem[] = [];
  let appended = 0;
  let fatal: unknown;
  let crashed = false;
  const limit = Math.max(1, target.capabilities.appendConcurrency);
  const perCall = Math.max(1, target.capabilities.appendBatch);

  type Item = TargetMessage & { meta: MessageMeta };
  /** Messages whose append was sent but not answered: looked up on the target before anything else. */
  let unknown: MessageMeta[] = [];
  const appendBatch = async (items: Item[]): Promise<void> => {
    let results;
    try {
      results = await target.append(state.target, items);
    } catch (e) {
      // Never sent again blindly: the target may hold them (see recovery below).
      if (!isOutcomeUnknown(e)) throw e;
      unknown.push(...items.map((i) => i.meta));
      return;
    }
    const stored: Array<{ item: Item; id?: string }> = [];
    for (const [i, item] of items.entries()) {
      let r: AppendResult = results[i] ?? { ok: false as const, reason: 'no answer from the target' };
      // A refused message is tried once more on its own, then listed.
      if (!r.ok && !r.temporary) {
        try {
          r = (await target.append(state.target, [item]))[0] ?? r;
        } catch (e) {
          if (!isOutcomeUnknown(e)) throw e;
          unknown.push(item.meta);
          continue;
        }
      }
      if (r.ok) stored.push({ item, id: r.id });
      else if (r.temporary) {
        const tries = (scope.deferTries?.get(item.meta.uid) ?? 0) + 1;
        if (tries >= MAX_DEFERRED_PASSES)
          failed.push(
            skippedItem(
              state,
              item.meta,
              'failed',
              `the target refused the message ${tries} times: ${r.reason}`,
            ),
          );
        else
          deferred.push({
            ...skippedItem(
              state,
              item.meta,
              'retry',
              `the target refused the message for now: ${r.reason}; tried again on the next pass`,
            ),
            tries,
          });
      } else
        failed.push(skippedItem(state, item.meta, 'failed', `the target refused the message: ${r.reason}`));
    }
    appended += stored.length;
    // A hook that throws stands for a crash after the APPEND and before the index write.
    try {
      if (stored.length) await scope.hooks?.afterAppend?.(appended);
    } catch (e) {
      crashed = true;
      throw e;
    }
    const rows = stored.map(({ item, id }) => row({ ...item.meta, flags: item.flags }, 'd', id ?? ''));
    // Step 3 per batch, in the background while the next batch streams.
    writes.push(session.state.putItems(state.fid, uv, rows));
    for (const { item } of stored) {
      out.copied++;
      out.bytes += item.meta.size;
    }
  };

  // Groups of at most `perCall` messages and APPEND_BATCH_BYTES (by RFC822.SIZE; a larger message
  // alone). Each group is one FETCH and one append call: the budget is taken BEFORE the FETCH, so
  // neither our batches nor imapflow's read buffers ever hold more than the budget allows, and the
  // next group streams from the source while the previous one is appended.
  const appendAll = async (list: MessageMeta[]): Promise<void> => {
    const groups: MessageMeta[][] = [];
    let group: MessageMeta[] = [];
    let groupBytes = 0;
    for (const m of list) {
      if (group.length && (group.length >= perCall || groupBytes + m.size > APPEND_BATCH_BYTES)) {
        groups.push(group);
        group = [];
        groupBytes = 0;
      }
      group.push(m);
      groupBytes += m.size;
    }
    if (group.length) groups.push(group);
    const running = new Set<Promise<void>>();
    for (const g of groups) {
      if (fatal !== undefined) break;
      if (scope.signal?.aborted) {
        fatal = new MailError(MailErrorCode.aborted, 'copy aborted');
        break;
      }
      // Still ours? (A long chunk renews the lease; a lost one stops the appends here.)
      if (dueForRenewal(state, scope.owner)) {
        try {
          await takeLease(session.state, state, scope.owner);
        } catch (e) {
          fatal ??= e;
          break;
        }
      }
      const reserved = g.reduce((n, m) => n + m.size, 0);
      await processBudget.acquire(reserved);
      const items: Item[] = [];
      try {
        await session.source.bodies(
          g.map((m) => m.uid),
          async (uid, content, flags) => {
            const m = byUid.get(uid);
            if (!m) return;
            items.push({
              key: itemKey(mailboxKey, state.source, uv, m.uid),
              messageId: m.messageId,
              size: m.size,
              internalDate: m.internalDate,
              content,
              flags,
              meta: m,
            });
          },
        );
        // A message expunged between SEARCH and FETCH is simply absent from `items`; but a FETCH
        // that ended because the connection did must not pass missing messages off as expunged.
        if (items.length < g.length && !session.source.usable) {
          throw new MailError(MailErrorCode.connectionLost, 'source: the connection dropped during FETCH');
        }
      } catch (e) {
        fatal ??= e;
        processBudget.release(reserved);
        break;
      }
      while (running.size >= limit) await Promise.race(running);
      const task: Promise<void> = appendBatch(items)
        .catch((e: unknown) => {
          fatal ??= e;
        })
        .finally(() => {
          processBudget.release(reserved);
          running.delete(task);
        });
      running.add(task);
    }
    await Promise.all(running);
  };

  await appendAll(toCopy);
  // Lost answers: every other append of the chunk has finished and its index rows are written, so
  // the target's copies not claimed by a done row are exactly the ones whose answer was lost. Those
  // found are recorded; only the rest is appended again (and looked up again if that answer is lost
  // too), a bounded number of times; after that the in-flight mark sends them through the same
  // lookup on the next call.
  for (let round = 0; unknown.length && fatal === undefined && !crashed; round++) {
    const settled = await Promise.allSettled(writes.splice(0));
    const bad = settled.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (bad) throw bad.reason;
    if (round >= MAX_UNKNOWN_ROUNDS) {
      fatal = new MailError(
        MailErrorCode.connectionLost,
        `${unknown.length} append(s) to ${state.target} got no answer ${round} times in a row; the next attempt looks for them on the target first`,
        { folder: state.source, retryAfterMs: 0 },
      );
      break;
    }
    const lost = unknown.sort((a, b) => a.uid - b.uid);
    unknown = [];
    const found = await claimOnTarget(scope, lost);
    const again: MessageMeta[] = [];
    const rows: ItemRow[] = [];
    for (const m of lost) {
      const id = found.get(m.uid);
      if (id === undefined) again.push(m);
      else {
        rows.push(row(m, 'd', id));
        out.copied++;
        out.bytes += m.size;
      }
    }
    if (rows.length) await session.state.putItems(state.fid, uv, rows);
    if (again.length) await appendAll(again);
  }

  // The batches' index writes; failures listed — unless the chunk "crashed" (test hook).
  const written = await Promise.allSettled(writes);
  if (!crashed && fatal === undefined && (failed.length || deferred.length)) {
    const listed = [...failed, ...deferred];
    const subjects = await session.source.subjects(listed.map((k) => k.uid));
    for (const k of listed) k.subject = subjects.get(k.uid) ?? '';
    await session.state.putSkipped(listed);
  }
  if (fatal !== undefined) throw fatal;
  const writeError = written.find((w) => w.status === 'rejected');
  if (writeError) throw (writeError as PromiseRejectedResult).reason;
  // A message that vanished between SEARCH and FETCH (expunged) simply is not there any more.
  out.failed += failed.length;
  state.itemsSynced += out.copied + out.reused;
  state.bytesSynced += out.bytes;
  state.itemsSkipped += skipped.length;
  state.bytesSkipped += skipped.reduce((n, s) => n + s.size, 0);
  state.itemsFailed += failed.length;
}

async function claimOnTarget(scope: CopyScope, pending: MessageMeta[]): Promise<Map<number, string>> {
  const { session, state, mailboxKey } = scope;
  const fps: Fingerprint[] = pending.map((m) => ({
    key: itemKey(mailboxKey, state.source, state.uidValidity, m.uid),
    messageId: m.messageId,
    size: m.size,
    internalDate: m.internalDate,
  }));
  const found = await session.target.findExisting(state.target, fps);
  // Target ids already owned by done rows with the same fingerprint.
  const claimed = new Set<string>();
  const claimedCount = new Map<string, number>();
  const hashes = new Set(pending.map((m) => fingerprintHash(m.messageId, m.size, m.internalDate)));
  for (const h of hashes) {
    const rows = await session.state.itemsWhere(state.fid, state.uidValidity, `fp eq '${h}' and s eq 'd'`);
    for (const r of rows.values()) {
      if (r.t) claimed.add(r.t);
      else claimedCount.set(h, (claimedCount.get(h) ?? 0) + 1);
    }
  }
  const out = new Map<number, string>();
  for (const [i, m] of pending.entries()) {
    const h = fingerprintHash(m.messageId, m.size, m.internalDate);
    const candidates = (found.get(fps[i]!.key) ?? []).filter((id) => !claimed.has(id));
    // Without target ids, the first `claimedCount` candidates belong to done rows.
    const skip = claimedCount.get(h) ?? 0;
    const id = candidates[skip];
    if (id !== undefined) {
      claimed.add(id);
      out.set(m.uid, id);
    }
  }
  return out;
}

async function reuseOldGeneration(scope: CopyScope, metas: MessageMeta[]): Promise<Map<number, string>> {
  const { session, state } = scope;
  const old = await session.state.itemsWhere(state.fid, state.rebaseFrom, `s eq 'd'`);
  // Target ids already taken by the new generation (a crash between the two writes below leaves
  // an old row behind whose copy is already reused): never hand them out twice.
  const taken = new Set<string>();
  for (const r of (await session.state.itemsWhere(state.fid, state.uidValidity, `s eq 'd'`)).values())
    if (r.t) taken.add(r.t);
  const byFp = new Map<string, ItemRow[]>();
  for (const r of old.values()) if (!r.t || !taken.has(r.t)) byFp.set(r.fp, [...(byFp.get(r.fp) ?? []), r]);
  const out = new Map<number, string>();
  const consumed: number[] = [];
  for (const m of metas) {
    const rows = byFp.get(fingerprintHash(m.messageId, m.size, m.internalDate));
    const r = rows?.shift();
    if (!r) continue;
    out.set(m.uid, r.t);
    consumed.push(r.uid);
  }
  // The new rows are written by the caller; old rows reused are dropped so no later chunk reuses them twice.
  if (consumed.length) {
    const newRows = metas.filter((m) => out.has(m.uid)).map((m) => row(m, 'd', out.get(m.uid) ?? ''));
    await session.state.putItems(state.fid, state.uidValidity, newRows);
    await session.state.deleteItems(state.fid, state.rebaseFrom, consumed);
  }
  return out;
}

function row(
  m: Pick<MessageMeta, 'uid' | 'messageId' | 'size' | 'internalDate' | 'flags'>,
  s: 'p' | 'd',
  t: string,
): ItemRow {
  return {
    uid: m.uid,
    s,
    t,
    fp: fingerprintHash(m.messageId, m.size, m.internalDate),
    fl: m.flags.join(' '),
    sz: m.size,
  };
}

function skippedItem(
  state: FolderState,
  m: MessageMeta,
  kind: SkippedItem['kind'],
  reason: string,
): SkippedItem {
  return {
    folder: state.source,
    uid: m.uid,
    uidValidity: state.uidValidity,
    date: m.internalDate.toISOString(),
    subject: m.subject,
    size: m.size,
    kind,
    reason,
  };
}

const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
