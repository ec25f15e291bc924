/** Limits of batch planning (dry runs) and of the batch options that shape a pass. */

/** Mailboxes one activity call of a plan run looks at (and one stored page of the plan holds). */
export const DEFAULT_PLAN_PAGE = 5;
/** Mailboxes of one page planned at the same time (each holds one source and one target login). */
export const PLAN_CONCURRENCY = 3;
/** Messages whose size and date one FETCH asks for while counting a folder. */
export const PLAN_FETCH_SLICE = 2000;
/**
 * Copy rate assumed for the estimate when no mailbox of the batch has been copied yet (bytes per
 * minute): a conservative figure for one mailbox over IMAP into Exchange Online.
 */
export const DEFAULT_PLAN_BYTES_PER_MINUTE = 50 * 1024 * 1024;
/** Largest age a `since`/`before` option may give: 100 years. */
export const MAX_AGE_DAYS = 36_500;
/** Explicit folder-map entries and rules per batch. */
export const MAX_FOLDER_MAP_ENTRIES = 500;
export const MAX_FOLDER_RULES = 50;
export const MAX_FOLDER_PATH = 1024;
