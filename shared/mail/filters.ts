import { MailError, MailErrorCode } from './errors';

/**
 * Folder filters: `/regex/flags` or a glob (`*` any run of characters including the separator,
 * `?` one character), matched case-insensitively against the source path written with `/`.
 */
export type FolderMatcher = (path: string) => boolean;

export function compilePattern(pattern: string, field: string): RegExp {
  const re = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  try {
    if (re) return new RegExp(re[1] ?? '', re[2]);
  } catch (e) {
    throw new MailError(
      MailErrorCode.badSettings,
      `${field}: ${pattern} is not a valid regular expression (${(e as Error).message})`,
      {
        field,
      },
    );
  }
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

export function folderMatcher(include: string[], exclude: string[]): FolderMatcher {
  const inc = include.map((p, i) => compilePattern(p, `options.include[${i}]`));
  const exc = exclude.map((p, i) => compilePattern(p, `options.exclude[${i}]`));
  return (path) => (inc.length === 0 || inc.some((r) => r.test(path))) && !exc.some((r) => r.test(path));
}

/** Date filter on INTERNALDATE: since is inclusive, before exclusive. */
export function dateFilter(since?: Date, before?: Date): (d: Date) => boolean {
  return (d) => (!since || d >= since) && (!before || d < before);
}

/**
 * The date filter as stored with a folder's checkpoint: '' for none. A pass whose key differs from
 * the folder's rescans what the old filter may have left out below the checkpoint.
 */
export function filterKey(since?: Date, before?: Date): string {
  if (!since && !before) return '';
  return `since=${since?.toISOString() ?? ''};before=${before?.toISOString() ?? ''}`;
}

/**
 * Whether a pass with (since, before) may take messages that the filter stored as `oldKey` left out:
 * its window reaches earlier or later than the old one. A narrower window needs no rescan.
 */
export function widensFilter(oldKey: string, since?: Date, before?: Date): boolean {
  if (!oldKey) return false;
  const m = /^since=([^;]*);before=(.*)$/.exec(oldKey);
  // An unreadable key: rescan rather than risk leaving mail behind.
  if (!m) return true;
  const oldSince = m[1] ? Date.parse(m[1]) : -Infinity;
  const oldBefore = m[2] ? Date.parse(m[2]) : Infinity;
  const newSince = since ? since.getTime() : -Infinity;
  const newBefore = before ? before.getTime() : Infinity;
  return newSince < oldSince || newBefore > oldBefore;
}
