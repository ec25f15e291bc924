import { dateFilter } from '../mail/filters';
import type { ImapSource } from '../mail/source';
import { PLAN_FETCH_SLICE } from './limits';

/** What one source folder holds and what a pass with the batch's filters and the target's limits would do with it. */
export interface FolderCount {
  messages: number;
  bytes: number;
  /** Over the target's size limit: a pass lists them as skipped. */
  tooLarge: number;
  tooLargeBytes: number;
  /** Outside the since/before window of this pass. */
  filteredByDate: number;
  /** Inside the window and under the limit. */
  eligible: number;
  eligibleBytes: number;
}

/**
 * Reads the size and INTERNALDATE of every message of one folder (EXAMINE, read-only; FETCH in
 * slices so one answer stays small) and sorts them by what a pass would do.
 */
export async function countFolder(
  source: ImapSource,
  path: string,
  limits: { maxMessageBytes: number; since?: Date; before?: Date },
): Promise<FolderCount> {
  const count: FolderCount = {
    messages: 0,
    bytes: 0,
    tooLarge: 0,
    tooLargeBytes: 0,
    filteredByDate: 0,
    eligible: 0,
    eligibleBytes: 0,
  };
  await source.examine(path);
  const uids = await source.allUids();
  const inWindow = dateFilter(limits.since, limits.before);
  for (let i = 0; i < uids.length; i += PLAN_FETCH_SLICE) {
    for (const m of await source.meta(uids.slice(i, i + PLAN_FETCH_SLICE))) {
      count.messages++;
      count.bytes += m.size;
      if (!inWindow(m.internalDate)) count.filteredByDate++;
      else if (m.size > limits.maxMessageBytes) {
        count.tooLarge++;
        count.tooLargeBytes += m.size;
      } else {
        count.eligible++;
        count.eligibleBytes += m.size;
      }
    }
  }
  return count;
}
