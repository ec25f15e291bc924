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
  const byPath = new Map(source.map((f) => [f.path, f]));
  const targetRole = new Map<FolderRole, string>();
  for (const t of targetFolders) if (t.role && !targetRole.has(t.role)) targetRole.set(t.role, t.path);
  const mapped = new Map<string, string>();
  const taken = new Set<string>();
  const usedRoles = new Set<FolderRole>();
  const key = (p: string): string => (p.toUpperCase() === 'INBOX' ? 'INBOX' : p);

  /** `base`, or `base (2)`, `base (3)`... when another folder already took it. */
  const uniqueTarget = (base: string): string => {
    let target = base;
    let n = 2;
    while (taken.has(key(target))) target = `${base} (${n++})`;
    return target;
  };

  const targetOf = (f: SourceFolder): string => {
    const done = mapped.get(f.path);
    if (done !== undefined) return done;
    const segments = f.delimiter ? f.path.split(f.delimiter) : [f.path];
    const own = segments[segments.length - 1] ?? f.path;
    let target: string;
    const explicit = folderMap?.(displayPath(f));
    if (explicit !== undefined) {
      target = uniqueTarget(
        explicit
          .split('/')
          .map((s) => sanitizeSegment(s, caps))
          .join(caps.delimiter),
      );
      result.renames.push({ source: displayPath(f), target, reason: 'folder map of the batch' });
    } else if (f.role && !usedRoles.has(f.role)) {
      usedRoles.add(f.role);
      target = targetRole.get(f.role) ?? DEFAULT_ROLE_NAMES[f.role];
    } else {
      const parentPath = segments.slice(0, -1).join(f.delimiter);
      const parent = parentPath
        ? targetOf(byPath.get(parentPath) ?? { path: parentPath, delimiter: f.delimiter, selectable: false })
        : '';
      const clean = sanitizeSegment(own, caps);
      const name = caps.reservedFolderName?.(clean, parent) ?? clean;
      const base = parent ? `${parent}${caps.delimiter}${name}` : name;
      target = uniqueTarget(base);
      if (name !== own || target !== base) {
        result.renames.push({
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
    }
    taken.add(key(target));
    mapped.set(f.path, target);
    return target;
  };

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
    result.folders.push({ source: f.path, target: targetOf(f), role: f.role, selectable: f.selectable });
  }
  result.folders.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  return result;
}
