/** The item index's rows and how a folder's index is keyed (see item-index.ts). */

export type ItemState = 'p' | 'd';
export interface ItemRow {
  uid: number;
  s: ItemState;
  /** Target id ('' when the target did not say). */
  t: string;
  fp: string;
  fl: string;
  sz: number;
}

/**
 * How a folder's item index is keyed, fixed when the folder is first planned (folders planned by
 * older versions keep theirs): 0 one row per UID, one partition per generation; 1 one row per UID,
 * one partition per bucket of INDEX_BUCKET_UIDS; 2 packed, one entity per page of INDEX_PAGE_UIDS
 * UIDs (a property per UID), partitions per bucket as in 1.
 */
export const INDEX_LAYOUT_BUCKETED = 1;
export const INDEX_LAYOUT_PACKED = 2;

/** Where a folder's item index lives (FolderState carries both). */
export interface IndexRef {
  fid: string;
  indexLayout: number;
}

/**
 * Which rows of a generation itemsWhere returns: every condition given must hold (`fp`: one of
 * these fingerprints; an empty list matches nothing).
 */
export interface ItemFilter {
  s?: ItemState;
  fp?: readonly string[];
}

/** The filter as a predicate, evaluated on every streamed row. */
export function rowMatcher(filter: ItemFilter): (r: ItemRow) => boolean {
  const fps = filter.fp ? new Set(filter.fp) : undefined;
  return (r) => (filter.s === undefined || r.s === filter.s) && (!fps || fps.has(r.fp));
}
