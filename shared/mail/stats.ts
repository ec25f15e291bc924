import type { FolderState } from './state';

/** Statistics an activity writes to the mailbox row after each call. */
export interface FolderStats {
  folder: string;
  itemsSynced: number;
  bytesSynced: number;
  /** Not copied: too large, or refused by the target for good (those are also in itemsFailed). */
  itemsSkipped: number;
  bytesSkipped: number;
  /** Of the skipped, those the target refused (they count toward the bad item limit). */
  itemsFailed: number;
  /** Messages in the source folder at the last look. */
  sourceItems: number;
  /** Bytes in the source folder at the last look (0 when the server does not report STATUS SIZE). */
  sourceBytes: number;
  lastSyncAt: string;
}

export interface MailboxStats {
  itemsSynced: number;
  bytesSynced: number;
  itemsSkipped: number;
  bytesSkipped: number;
  itemsFailed: number;
  sourceItems: number;
  sourceBytes: number;
  /** Bytes per second of the last call ('' until something was copied). */
  bytesPerSecond: number;
  itemsPerSecond: number;
  /** Estimated seconds left, from items still to copy at the last call's rate; undefined when unknown. */
  etaSeconds?: number;
  /** ISO time of the last call that finished every folder (the last successful sync). */
  lastSuccessfulSync?: string;
  folders: FolderStats[];
}

export function folderStats(s: FolderState): FolderStats {
  return {
    folder: s.source,
    itemsSynced: s.itemsSynced,
    bytesSynced: s.bytesSynced,
    itemsSkipped: s.itemsSkipped,
    bytesSkipped: s.bytesSkipped,
    itemsFailed: s.itemsFailed,
    sourceItems: s.messages,
    sourceBytes: s.sourceBytes,
    lastSyncAt: s.lastSyncAt,
  };
}

export function mailboxStats(
  iterable: Iterable<FolderState>,
  rate: { bytes: number; items: number; ms: number },
): MailboxStats {
  const states = [...iterable];
  const folders = states.map(folderStats);
  const sum = (k: keyof Omit<FolderStats, 'folder' | 'lastSyncAt'>): number =>
    folders.reduce((n, f) => n + f[k], 0);
  const seconds = rate.ms / 1000;
  const bytesPerSecond = seconds > 0 ? Math.round(rate.bytes / seconds) : 0;
  const itemsPerSecond = seconds > 0 ? Math.round((rate.items / seconds) * 10) / 10 : 0;
  // Refused items are among the skipped ones: subtracted once.
  const left = Math.max(0, sum('sourceItems') - sum('itemsSynced') - sum('itemsSkipped'));
  const stamps = states.map((s) => s.lastSyncAt).filter(Boolean);
  const allDone = states.every((s) => s.initialDone);
  return {
    itemsSynced: sum('itemsSynced'),
    bytesSynced: sum('bytesSynced'),
    itemsSkipped: sum('itemsSkipped'),
    bytesSkipped: sum('bytesSkipped'),
    itemsFailed: sum('itemsFailed'),
    sourceItems: sum('sourceItems'),
    sourceBytes: sum('sourceBytes'),
    bytesPerSecond,
    itemsPerSecond,
    etaSeconds: left === 0 ? 0 : itemsPerSecond > 0 ? Math.round(left / itemsPerSecond) : undefined,
    lastSuccessfulSync: allDone && stamps.length ? stamps.sort()[0] : undefined,
    folders,
  };
}
