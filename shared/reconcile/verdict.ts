/**
 * The verdict for one folder: what the target should hold (the source's messages less those
 * mailferry skipped on purpose, each listed with its reason) against what it does hold.
 */
export type Verdict = 'ok' | 'missing' | 'extra' | 'unchecked';

export interface FolderVerdict {
  verdict: Verdict;
  /** Messages missing (verdict missing) or extra (verdict extra) on the target; 0 otherwise. */
  difference: number;
  /** One line a person reads: "ok", "missing 1", "extra 2", "not checked: …". */
  text: string;
}

export function folderVerdict(
  sourceItems: number | null,
  skipped: number,
  targetItems: number | null,
  why = 'a side could not be read',
): FolderVerdict {
  if (sourceItems === null || targetItems === null) {
    return { verdict: 'unchecked', difference: 0, text: `not checked: ${why}` };
  }
  const expected = Math.max(0, sourceItems - skipped);
  if (targetItems < expected) {
    const n = expected - targetItems;
    return { verdict: 'missing', difference: n, text: `missing ${n}` };
  }
  if (targetItems > expected) {
    const n = targetItems - expected;
    return { verdict: 'extra', difference: n, text: `extra ${n}` };
  }
  return { verdict: 'ok', difference: 0, text: 'ok' };
}
