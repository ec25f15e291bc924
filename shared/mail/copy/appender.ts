import { processBudget } from '../budget';
import { MailError, MailErrorCode, isOutcomeUnknown } from '../errors';
import { dueForRenewal, takeLease } from '../lease';
import {
  APPEND_BATCH_BYTES,
  CHUNK_MAX_BYTES,
  LARGE_BODY_BYTES,
  MAX_DEFERRED_PASSES,
  STREAMED_BODY_BYTES,
} from '../limits';
import type { MessageMeta } from '../source';
import type { SkippedItem } from '../state';
import { isStreamed, type AppendResult, type TargetMessage } from '../target';
import type { IndexWriter } from './index-writer';
import { doneRow, itemKey, skippedItem } from './rows';
import type { CopyScope, NewMessagesOutcome } from './scope';

type Item = TargetMessage & { meta: MessageMeta };

/**
 * Step 3 of the protocol for one chunk: groups of messages read from the source and appended, each
 * group's done rows handed to the index writer as soon as its answer is in. One group is read
 * while the previous one is appended. Records what the target refused and what got no answer.
 */
export class Appender {
  /** Refused for good (skipped, counted toward the bad item limit) and refused for now. */
  readonly failed: SkippedItem[] = [];
  readonly deferred: SkippedItem[] = [];
  /** Sent, answer lost: looked up on the target before anything else is done about them. */
  unknown: MessageMeta[] = [];
  /** Never started because the chunk's time budget ran out (a UID-ordered tail of the list). */
  unstarted: MessageMeta[] = [];
  /** Highest UID whose group was started. */
  topStarted = 0;
  fatal: unknown;
  /** The test hook stood for a crash after an APPEND: nothing more may be written. */
  crashed = false;
  private appended = 0;
  private readonly byUid = new Map<number, MessageMeta>();

  constructor(
    private readonly scope: CopyScope,
    private readonly out: NewMessagesOutcome,
    private readonly index: IndexWriter,
  ) {}

  /**
   * Appends `list` (UID order); with `budgeted`, starts no further group once the chunk's time
   * (scope.deadline) or bytes (CHUNK_MAX_BYTES) are used up.
   */
  async appendAll(list: MessageMeta[], budgeted: boolean): Promise<void> {
    const { session } = this.scope;
    const limit = Math.max(1, session.target.capabilities.appendConcurrency);
    for (const m of list) this.byUid.set(m.uid, m);
    const groups = this.groups(list);
    const running = new Set<Promise<void>>();
    let startedBytes = 0;
    for (const [i, g] of groups.entries()) {
      if (this.fatal !== undefined) break;
      if (budgeted && i > 0 && (startedBytes >= CHUNK_MAX_BYTES || this.pastDeadline())) {
        this.unstarted = groups.slice(i).flat();
        break;
      }
      if (!(await this.stillOurs())) break;
      const reserved = heldBytes(g);
      await processBudget.acquire(reserved);
      const items = await this.read(g);
      if (!items) {
        processBudget.release(reserved);
        break;
      }
      this.topStarted = Math.max(this.topStarted, ...g.map((m) => m.uid));
      startedBytes += reserved;
      while (running.size >= limit) await Promise.race(running);
      const task: Promise<void> = this.appendGroup(items)
        .catch((e: unknown) => {
          this.fatal ??= e;
        })
        .finally(() => {
          processBudget.release(reserved);
          running.delete(task);
        });
      running.add(task);
      // A streamed body is read from the source while it is appended (and read again by a resend):
      // the source connection stays with it until its append is over.
      if (items.some((i) => isStreamed(i.content))) await task;
    }
    await Promise.all(running);
  }

  /**
   * Groups of at most the target's batch size and APPEND_BATCH_BYTES (by RFC822.SIZE; a larger
   * message alone). Each group is one FETCH and one append call: the budget is taken BEFORE the
   * FETCH, so neither our batches nor the library's read buffers hold more than it allows.
   */
  private groups(list: MessageMeta[]): MessageMeta[][] {
    const perCall = Math.max(1, this.scope.session.target.capabilities.appendBatch);
    const groups: MessageMeta[][] = [];
    let group: MessageMeta[] = [];
    let bytes = 0;
    for (const m of list) {
      if (group.length && (group.length >= perCall || bytes + m.size > APPEND_BATCH_BYTES)) {
        groups.push(group);
        group = [];
        bytes = 0;
      }
      group.push(m);
      bytes += m.size;
    }
    if (group.length) groups.push(group);
    return groups;
  }

  private pastDeadline(): boolean {
    return this.scope.deadline !== undefined && Date.now() > this.scope.deadline;
  }

  /** Aborted, or the lease lost? (A long chunk renews the lease; a lost one stops the appends.) */
  private async stillOurs(): Promise<boolean> {
    const { session, state, owner, signal } = this.scope;
    if (signal?.aborted) {
      this.fatal = new MailError(MailErrorCode.aborted, 'copy aborted');
      return false;
    }
    if (!dueForRenewal(state, owner)) return true;
    try {
      await takeLease(session.state, state, owner);
      return true;
    } catch (e) {
      this.fatal ??= e;
      return false;
    }
  }

  /** The group's bodies from the source; undefined (and `fatal` set) when the read failed. */
  private async read(g: MessageMeta[]): Promise<Item[] | undefined> {
    const { session, state, mailboxKey } = this.scope;
    const items: Item[] = [];
    try {
      await session.source.bodies(
        g.map((m) => m.uid),
        async (uid, content, flags) => {
          const m = this.byUid.get(uid);
          if (!m) return;
          items.push({
            key: itemKey(mailboxKey, state.source, state.uidValidity, m.uid),
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
      return items;
    } catch (e) {
      this.fatal ??= e;
      return undefined;
    }
  }

  private async appendGroup(items: Item[]): Promise<void> {
    const { session, state, hooks } = this.scope;
    let results: AppendResult[];
    try {
      results = await session.target.append(state.target, items);
    } catch (e) {
      // Never sent again blindly: the target may hold them (see the lost-answer rounds).
      if (!isOutcomeUnknown(e)) throw e;
      this.unknown.push(...items.map((i) => i.meta));
      return;
    }
    const stored: Array<{ item: Item; id?: string }> = [];
    for (const [i, item] of items.entries()) {
      const r = await this.retryRefused(item, results[i]);
      if (r?.ok) stored.push({ item, id: r.id });
      else if (r) this.refused(item.meta, r.temporary, r.reason);
    }
    this.appended += stored.length;
    // A hook that throws stands for a crash after the APPEND and before the index write.
    try {
      if (stored.length) await hooks?.afterAppend?.(this.appended);
    } catch (e) {
      this.crashed = true;
      throw e;
    }
    this.index.write(stored.map(({ item, id }) => doneRow({ ...item.meta, flags: item.flags }, id ?? '')));
    for (const { item } of stored) {
      this.out.copied++;
      this.out.bytes += item.meta.size;
    }
  }

  /** A refused message is tried once more on its own; undefined when that answer was lost. */
  private async retryRefused(item: Item, first: AppendResult | undefined): Promise<AppendResult | undefined> {
    const r: AppendResult = first ?? { ok: false, reason: 'no answer from the target' };
    if (r.ok || r.temporary) return r;
    try {
      return (await this.scope.session.target.append(this.scope.state.target, [item]))[0] ?? r;
    } catch (e) {
      if (!isOutcomeUnknown(e)) throw e;
      this.unknown.push(item.meta);
      return undefined;
    }
  }

  private refused(m: MessageMeta, temporary: boolean | undefined, reason: string): void {
    const { state, deferTries } = this.scope;
    if (!temporary) {
      this.failed.push(skippedItem(state, m, 'failed', `the target refused the message: ${reason}`));
      return;
    }
    const tries = (deferTries?.get(m.uid) ?? 0) + 1;
    if (tries >= MAX_DEFERRED_PASSES)
      this.failed.push(
        skippedItem(state, m, 'failed', `the target refused the message ${tries} times: ${reason}`),
      );
    else
      this.deferred.push({
        ...skippedItem(
          state,
          m,
          'retry',
          `the target refused the message for now: ${reason}; tried again on the next pass`,
        ),
        tries,
      });
  }
}

/**
 * Memory a group holds while it is read and appended: its bytes, or for a message over
 * LARGE_BODY_BYTES (always alone in its group: groups stop at APPEND_BATCH_BYTES) the bounded
 * buffers it is streamed through.
 */
function heldBytes(g: MessageMeta[]): number {
  const only = g.length === 1 ? g[0] : undefined;
  if (only && only.size > LARGE_BODY_BYTES) return STREAMED_BODY_BYTES;
  return g.reduce((n, m) => n + m.size, 0);
}
