import { MAX_FOLDER_SEGMENT } from './limits';
import { DEFAULT_ROLE_NAMES } from './roles';
import type { FolderMatcher } from './filters';
import type { FolderMapper } from './folder-map';
import type { FolderRole, TargetCapabilities, TargetFolder } from './target';

/**
 * The folder plan, pure: source folders (decoded from modified UTF-7 by imapflow) → target paths.
 * Special-use folders map by role to the target's folder of that role; everything else keeps its
 * hierarchy under the mapped parent, with the target's separator. A name segment the target cannot
 * hold is renamed predictably (illegal characters and the target separator → `_`, trimmed, cut at
 * 255, ` (2)` on a clash) and every rename is listed.
 */

export interface SourceFolder {
  path: string;
  delimiter: string;
  role?: FolderRole;
  /** Virtual folders (\All, \Flagged, \Important) hold copies of other folders' mail. */
  virtual?: boolean;
  selectable: boolean;
}

export interface FolderMapping {
  source: string;
  target: string;
  role?: FolderRole;
  selectable: boolean;
}

export interface FolderRename {
  source: string;
  target: string;
  reason: string;
}

export interface FolderMapResult {
  folders: FolderMapping[];
  renames: FolderRename[];
  excluded: Array<{ source: string; reason: string }>;
}

/** The path written with `/`, the form filters and reports use. */
export function displayPath(f: { path: string; delimiter: string }): string {
  return f.delimiter && f.delimiter !== '/' ? f.path.split(f.delimiter).join('/') : f.path;
}

function sanitizeSegment(name: string, caps: TargetCapabilities): string {
  let s = name.replace(caps.illegalNameChars, '_');
  if (caps.delimiter) s = s.split(caps.delimiter).join('_');
  s = s.trim();
  if (s.length > MAX_FOLDER_SEGMENT) s = s.slice(0, MAX_FOLDER_SEGMENT);
  return s || '_';
}

export function mapFolders(
  source: SourceFolder[],
  targetFolders: TargetFolder[],
  caps: TargetCapabilities,
  include: FolderMatcher,
  folderMap?: FolderMapper,
): FolderMapResult {
  const result: FolderMapResult = { folders: [], renames: [], excluded: [] };
  const mapping = new TargetPaths(source, targetFolders, caps, result.renames, folderMap);
  // Parents before children, so a child lands under its parent's mapped path.
  const ordered = [...source].sort(
    (a, b) => a.path.split(a.delimiter).length - b.path.split(b.delimiter).length,
  );
  // Role folders first, so a plain folder never takes the name a role folder maps to.
  ordered.sort((a, b) => Number(!!b.role) - Number(!!a.role));
  for (const f of ordered) {
    const shown = displayPath(f);
    if (f.virtual) {
      result.excluded.push({ source: shown, reason: 'virtual folder (copies of other folders)' });
      continue;
    }
    if (!include(shown)) {
      result.excluded.push({ source: shown, reason: 'excluded by the folder filter' });
      continue;
    }
    result.folders.push({
      source: f.path,
      target: mapping.targetOf(f),
      role: f.role,
      selectable: f.selectable,
    });
  }
  result.folders.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  return result;
}

/** Where each source folder lands: the batch's folder map, a role's folder, or the same path, cleaned and unique. */
class TargetPaths {
  private readonly byPath: Map<string, SourceFolder>;
  private readonly targetRole = new Map<FolderRole, string>();
  private readonly mapped = new Map<string, string>();
  private readonly taken = new Set<string>();
  private readonly usedRoles = new Set<FolderRole>();

  constructor(
    source: SourceFolder[],
    targetFolders: TargetFolder[],
    private readonly caps: TargetCapabilities,
    private readonly renames: FolderRename[],
    private readonly folderMap?: FolderMapper,
  ) {
    this.byPath = new Map(source.map((f) => [f.path, f]));
    for (const t of targetFolders)
      if (t.role && !this.targetRole.has(t.role)) this.targetRole.set(t.role, t.path);
  }

  targetOf(f: SourceFolder): string {
    const done = this.mapped.get(f.path);
    if (done !== undefined) return done;
    const explicit = this.folderMap?.(displayPath(f));
    let target: string;
    if (explicit !== undefined) target = this.explicitTarget(f, explicit);
    else if (f.role && !this.usedRoles.has(f.role)) {
      this.usedRoles.add(f.role);
      target = this.targetRole.get(f.role) ?? DEFAULT_ROLE_NAMES[f.role];
    } else target = this.nestedTarget(f);
    this.taken.add(key(target));
    this.mapped.set(f.path, target);
    return target;
  }

  /** The batch's folder map names the target: cleaned segment by segment, made unique. */
  private explicitTarget(f: SourceFolder, explicit: string): string {
    const target = this.uniqueTarget(
      explicit
        .split('/')
        .map((s) => sanitizeSegment(s, this.caps))
        .join(this.caps.delimiter),
    );
    this.renames.push({ source: displayPath(f), target, reason: 'folder map of the batch' });
    return target;
  }

  /** Under its parent's target, with its own name cleaned for the target (and the rename listed). */
  private nestedTarget(f: SourceFolder): string {
    const segments = f.delimiter ? f.path.split(f.delimiter) : [f.path];
    const own = segments[segments.length - 1] ?? f.path;
    const parentPath = segments.slice(0, -1).join(f.delimiter);
    const parent = parentPath
      ? this.targetOf(
          this.byPath.get(parentPath) ?? { path: parentPath, delimiter: f.delimiter, selectable: false },
        )
      : '';
    const clean = sanitizeSegment(own, this.caps);
    const name = this.caps.reservedFolderName?.(clean, parent) ?? clean;
    const base = parent ? `${parent}${this.caps.delimiter}${name}` : name;
    const target = this.uniqueTarget(base);
    if (name !== own || target !== base) {
      this.renames.push({
        source: displayPath(f),
        target,
        reason:
          target !== base
            ? 'name already used on the target'
            : name !== clean
              ? 'name reserved on the target'
              : 'name not allowed on the target',
      });
    }
    return target;
  }

  /** `base`, or `base (2)`, `base (3)`... when another folder already took it. */
  private uniqueTarget(base: string): string {
    let target = base;
    let n = 2;
    while (this.taken.has(key(target))) target = `${base} (${n++})`;
    return target;
  }
}

/** INBOX is one name whatever its case; other names are as they are. */
const key = (p: string): string => (p.toUpperCase() === 'INBOX' ? 'INBOX' : p);
