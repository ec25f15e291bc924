import type { MailSession } from '../session';
import type { CopyHooks } from '../settings';
import type { FolderState } from '../state';

/** What one copy call works on; shared by the phases of copyMessages. */
export interface CopyScope {
  session: MailSession;
  mailboxKey: string;
  state: FolderState;
  hooks?: CopyHooks;
  signal?: AbortSignal;
  /** Passes on which the target already refused a message for now (UID → count). */
  deferTries?: Map<number, number>;
  /** This call's lease owner id (lease.ts). */
  owner: string;
  /**
   * Rescanning UIDs below the checkpoint that an earlier date filter left out: rows already `done`
   * and items already on the skipped list were counted by the pass that handled them and are
   * passed over silently; suspects are judged against `rescanInflight` instead of `inflight`.
   */
  rescan?: { skippedUids: Set<number> };
  /** Epoch ms after which no further append group starts (the chunk's time budget). */
  deadline?: number;
}

/** The in-flight mark the call raises before appending (see copy.ts). */
export type MarkField = 'inflight' | 'rescanInflight';
export const markOf = (scope: CopyScope): MarkField => (scope.rescan ? 'rescanInflight' : 'inflight');

export interface NewMessagesOutcome {
  copied: number;
  bytes: number;
  /** Found on the target (after a crash, or reused after a UIDVALIDITY change). */
  reused: number;
  /** Not copied: too large, or refused by the target for good (those are also in `failed`). */
  skipped: number;
  skippedBytes: number;
  /** Of the skipped, those the target refused (they count toward the bad item limit). */
  failed: number;
  filtered: number;
  /** More messages above the checkpoint remain. */
  more: boolean;
  /** Time spent waiting for the item index's writes after the appends (ms). */
  indexWaitMs: number;
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
  indexWaitMs: 0,
});
