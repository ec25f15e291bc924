import { z } from 'zod';
import { MAX_FOLDER_MAP_ENTRIES, MAX_FOLDER_PATH, MAX_FOLDER_RULES } from '../plan/limits';

/**
 * Explicit folder mapping, beside include/exclude: where a source folder lands on the target.
 * Paths are written with `/` on both sides, whatever the servers' separators.
 *
 * - `folderMap`: exact source path → target path, e.g. `{"Inbox/Old": "Archive/Old"}`. The folder's
 *   subfolders follow it (`Inbox/Old/2019` → `Archive/Old/2019`). `INBOX` matches in any case.
 * - `folderRules`: `{match, to}` pairs tried in order for folders the map does not name; `match` is
 *   a regular expression (case-insensitive, like the folder filters) on the whole source path, `to` its replacement (`$1` for a group), e.g.
 *   `{"match": "^(.*)$", "to": "Legacy/$1"}` puts every folder under `Legacy`.
 * A mapped folder keeps no special-use role: the map says where it goes.
 */

/** A path written with `/`: no empty segment, no leading or trailing `/`. */
export const folderPathSchema = z
  .string()
  .min(1)
  .max(MAX_FOLDER_PATH)
  .refine((p) => p.split('/').every((s) => s.trim().length > 0), {
    message: 'must be a folder path like "Inbox/Old": segments separated by "/", none empty',
  });

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const folderRuleSchema = z
  .object({
    match: z.string().min(1).max(MAX_FOLDER_PATH).refine(compiles, {
      message: 'is not a valid regular expression; write one like ^Inbox/(.*)$',
    }),
    to: z.string().min(1).max(MAX_FOLDER_PATH),
  })
  .strict();
export type FolderRule = z.output<typeof folderRuleSchema>;

const PATH_FIX = 'must be a folder path like "Inbox/Old": segments separated by "/", none empty';
const isFolderPath = (p: string): boolean =>
  p.length > 0 && p.length <= MAX_FOLDER_PATH && p.split('/').every((s) => s.trim().length > 0);

/** Keys are checked here rather than by a key schema, so the error names the bad key and the fix. */
export const folderMapSchema = z.record(z.string(), folderPathSchema).superRefine((m, ctx) => {
  const keys = Object.keys(m);
  if (keys.length > MAX_FOLDER_MAP_ENTRIES) {
    ctx.issues.push({
      code: 'custom',
      message: `may name at most ${MAX_FOLDER_MAP_ENTRIES} folders; use folderRules for more`,
      input: m,
    });
  }
  for (const key of keys.filter((k) => !isFolderPath(k))) {
    ctx.issues.push({ code: 'custom', path: [key], message: `source ${PATH_FIX}`, input: key });
  }
});
export const folderRulesSchema = z.array(folderRuleSchema).max(MAX_FOLDER_RULES);

/** Gives a source path (with `/`) its mapped target path (with `/`), or undefined when none applies. */
export type FolderMapper = (sourcePath: string) => string | undefined;

const norm = (p: string): string =>
  p.toUpperCase() === 'INBOX' ? 'INBOX' : p.replace(/^inbox\//i, 'INBOX/');

export function folderMapper(
  map: Record<string, string> = {},
  rules: FolderRule[] = [],
): FolderMapper | undefined {
  const exact = new Map(Object.entries(map).map(([from, to]) => [norm(from), to]));
  const compiled = rules.map((r) => ({ re: new RegExp(`^(?:${r.match})$`, 'i'), to: r.to }));
  if (exact.size === 0 && compiled.length === 0) return undefined;
  return (path) => {
    const hit = exact.get(norm(path));
    if (hit !== undefined) return hit;
    for (const r of compiled) {
      if (r.re.test(path)) {
        const to = path.replace(r.re, r.to);
        // A replacement that leaves nothing usable keeps the folder where it would have gone.
        if (to.split('/').every((s) => s.trim().length > 0)) return to;
      }
    }
    return undefined;
  };
}
