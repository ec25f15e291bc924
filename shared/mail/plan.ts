import { randomBytes } from 'node:crypto';
import { folderMatcher, widensFilter } from './filters';
import { folderMapper } from './folder-map';
import { displayPath, mapFolders, type FolderRename } from './folders';
import { openSession, type MailSession } from './session';
import type { CopyOptions, MailContext } from './settings';
import type { SourceFolderStatus } from './source';
import { INDEX_LAYOUT_PACKED, type FolderState } from './state';
import type { FolderRole } from './target';

export interface FolderPlanEntry {
  /** Source path (decoded), as the source lists it. */
  source: string;
  /** Target path, with the target's separator. */
  target: string;
  role?: FolderRole;
  /** False for \Noselect folders: created on the target for the hierarchy, no messages. */
  selectable: boolean;
  messages: number;
  uidValidity: string;
  uidNext: number;
  highestModseq: string;
  sizeBytes?: number;
  /** Nothing changed since the last sync (decided from STATUS alone): no call needed. */
  upToDate: boolean;
  /** The source folder was renamed from this path; its copies stay where they are on the target. */
  renamedFrom?: string;
}

export interface FolderPlan {
  folders: FolderPlanEntry[];
  renames: FolderRename[];
  excluded: Array<{ source: string; reason: string }>;
  /** The source offers CONDSTORE (flag changes are found without a scan). */
  condstore: boolean;
}

/**
 * Lists both sides, maps folders (see folders.ts), creates missing target folders, records new
 * folders in the state and recognises folders renamed on the source (same UIDVALIDITY, old path
 * gone) so their mail is not copied twice. One LIST (with STATUS) on the source per call.
 */
export async function planMailbox(ctx: MailContext, session?: MailSession): Promise<FolderPlan> {
  const s = session ?? (await openSession(ctx));
  try {
    return await plan(s);
  } finally {
    if (!session) await s.close();
  }
}

async function plan(s: MailSession): Promise<FolderPlan> {
  const [sourceFolders, targetFolders, states, skipped] = await Promise.all([
    s.source.listFolders(),
    s.target.listFolders(),
    s.state.listFolders(),
    s.state.listSkipped(),
  ]);
  // Folders holding items skipped as too large that the (maybe raised) limit now allows.
  const max = s.target.capabilities.maxMessageBytes;
  // ...and folders holding items the target refused for now.
  const retry = new Set(
    skipped
      .filter((k) => k.kind === 'retry' || (k.kind === 'tooLarge' && k.size <= max))
      .map((k) => k.folder),
  );
  const mapping = mapFolders(
    sourceFolders,
    targetFolders,
    s.target.capabilities,
    folderMatcher(s.options.include, s.options.exclude),
    folderMapper(s.options.folderMap, s.options.folderRules),
  );
  const bySource = new Map(sourceFolders.map((f) => [f.path, f]));
  const vanished = [...states.values()].filter((st) => !bySource.has(st.source));
  const out: FolderPlan = {
    folders: [],
    renames: mapping.renames,
    excluded: mapping.excluded,
    condstore: s.source.condstore,
  };
  const movedAway = new Set<string>();
  for (const m of mapping.folders) {
    const f = bySource.get(m.source) as SourceFolderStatus;
    let state = states.get(m.source);
    let renamedFrom: string | undefined;
    if (!state && f.uidValidity) {
      const renamed = await adoptRenamed(s, f, m.source, vanished, sourceFolders, out);
      if (renamed) {
        state = renamed.state;
        renamedFrom = renamed.from;
        movedAway.add(renamed.from);
      }
    }
    if (!state) {
      await s.target.ensureFolder(m.target);
      state = newState(m.source, m.target, f);
      await s.state.putFolder(state);
    }
    const entry: FolderPlanEntry = {
      source: m.source,
      target: state.target,
      role: m.role,
      selectable: m.selectable,
      messages: f.messages,
      uidValidity: f.uidValidity,
      uidNext: f.uidNext,
      highestModseq: f.highestModseq,
      sizeBytes: f.sizeBytes,
      upToDate: !retry.has(m.source) && isUpToDate(state, f, s.options) && !needsRescan(state, s.options),
      renamedFrom,
    };
    out.folders.push(entry);
    // The plan is kept in the folder rows: callers find the folders still to copy there (with the
    // source folder's size as STATUS gave it, for reconciliation).
    if (entry.selectable && !entry.upToDate && !state.queued) {
      state.queued = true;
      if (f.sizeBytes !== undefined) state.sourceBytes = f.sizeBytes;
      await s.state.putFolder(state);
    }
  }
  // Folders gone from the source or now excluded leave the plan.
  const planned = new Set(mapping.folders.map((m) => m.source));
  for (const st of states.values()) {
    if (!st.queued || planned.has(st.source) || movedAway.has(st.source)) continue;
    st.queued = false;
    await s.state.putFolder(st);
  }
  return out;
}

/**
 * A new source folder that is an old one renamed (same UIDVALIDITY, the old path gone, no other
 * folder with that UIDVALIDITY): its row moves to the new name, its copies stay where they are.
 * Returns the moved row and the old path (its row taken off `vanished`).
 */
async function adoptRenamed(
  s: MailSession,
  f: SourceFolderStatus,
  source: string,
  vanished: FolderState[],
  sourceFolders: SourceFolderStatus[],
  out: FolderPlan,
): Promise<{ state: FolderState; from: string } | undefined> {
  const same = vanished.filter((v) => v.uidValidity === f.uidValidity && v.lastUid < f.uidNext);
  const old = same.length === 1 ? same[0] : undefined;
  if (!old || sourceFolders.filter((x) => x.uidValidity === f.uidValidity).length !== 1) return undefined;
  vanished.splice(vanished.indexOf(old), 1);
  // A new row (the row key is the folder's name): written as a create, not If-Match the old row.
  const state: FolderState = { ...old, source, etag: undefined };
  await s.state.putFolder(state);
  await s.state.deleteFolder(old.source);
  out.renames.push({
    source: displayPath(f),
    target: old.target,
    reason: `renamed on the source from ${old.source}; copies kept in place`,
  });
  return { state, from: old.source };
}

function newState(source: string, target: string, f: SourceFolderStatus): FolderState {
  return {
    fid: randomBytes(12).toString('hex'),
    source,
    target,
    uidValidity: f.uidValidity,
    lastUid: 0,
    inflight: 0,
    // Flags are in sync "since now": the copy takes each message's flags as it copies it.
    modseq: f.highestModseq,
    uidNext: 0,
    messages: f.messages,
    initialDone: !f.selectable,
    itemsSynced: 0,
    bytesSynced: 0,
    itemsSkipped: 0,
    bytesSkipped: 0,
    itemsFailed: 0,
    filterKey: '',
    rescanUid: 0,
    rescanEnd: 0,
    rescanInflight: 0,
    sourceBytes: f.sizeBytes ?? 0,
    indexLayout: INDEX_LAYOUT_PACKED,
    rebaseFrom: '',
    lastSyncAt: '',
    lease: '',
    queued: false,
  };
}

/** From STATUS alone: same generation, no UID above the checkpoint, no flag change (CONDSTORE). */
function isUpToDate(st: FolderState, f: SourceFolderStatus, options: CopyOptions): boolean {
  const mirror = options.mirrorDeletions;
  if (!f.selectable) return true;
  if (!st.initialDone || st.uidValidity !== f.uidValidity) return false;
  if (f.uidNext - 1 > st.lastUid) return false;
  if (!f.highestModseq || f.highestModseq !== st.modseq) return false;
  if (mirror && f.messages !== st.messages) return false;
  return true;
}

/** A rescan is under way, or this pass's date filter reaches further than the folder's last one. */
function needsRescan(st: FolderState, options: CopyOptions): boolean {
  return st.rescanEnd > 0 || (st.lastUid > 0 && widensFilter(st.filterKey, options.since, options.before));
}
