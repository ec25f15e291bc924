import { dateFilter } from '../filters';
import type { MessageMeta } from '../source';
import type { ItemRow, SkippedItem } from '../state';
import { mb, skippedItem } from './rows';
import { markOf, type CopyScope } from './scope';

/** Where each message of a chunk goes, decided from the index, the filters and the size limit. */
export interface Sorted {
  /** Not on the target as far as anyone knows: appended. */
  toCopy: MessageMeta[];
  /** At or below the in-flight mark without a done row: looked up on the target first. */
  suspects: MessageMeta[];
  /** Already `done` in the index (an attempt stopped before its checkpoint): counted as reused. */
  alreadyDone: MessageMeta[];
  /** Outside the pass's date filter. */
  filtered: MessageMeta[];
  /** Too large for the target. */
  tooLarge: SkippedItem[];
}

export function classify(scope: CopyScope, chunk: MessageMeta[], index: Map<number, ItemRow>): Sorted {
  const { session, state } = scope;
  const { target, options } = session;
  const inDates = dateFilter(options.since, options.before);
  const maxBytes = target.capabilities.maxMessageBytes;
  const mark = state[markOf(scope)];
  const out: Sorted = { toCopy: [], suspects: [], alreadyDone: [], filtered: [], tooLarge: [] };
  for (const m of chunk) {
    const done = index.get(m.uid)?.s === 'd';
    // A rescan passes over what an earlier pass already handled (and counted).
    if (scope.rescan && (done || scope.rescan.skippedUids.has(m.uid))) continue;
    if (done) out.alreadyDone.push(m);
    else if (!inDates(m.internalDate)) out.filtered.push(m);
    else if (m.size > maxBytes) {
      const hint = target.capabilities.tooLargeHint;
      out.tooLarge.push(
        skippedItem(
          state,
          m,
          'tooLarge',
          `message is ${mb(m.size)} MB; the target accepts up to ${mb(maxBytes)} MB` +
            (hint ? `. ${hint}` : ''),
        ),
      );
    } else if (m.uid <= mark) out.suspects.push(m);
    else out.toCopy.push(m);
  }
  return out;
}

/** Whether the chunk's index rows need reading (they exist only in these cases). */
export function needsIndex(scope: CopyScope, first: MessageMeta): boolean {
  const { state } = scope;
  // Above the checkpoint, rows exist only after an interrupted attempt (up to the in-flight mark)
  // or while re-syncing a new UIDVALIDITY generation; a rescan is below the checkpoint.
  return !!scope.rescan || first.uid <= state.inflight || !!state.rebaseFrom;
}
