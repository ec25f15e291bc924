/** Every limit of the EWS source, in one place. */

/** Time to open the TCP/TLS connection to the Exchange 2007 Client Access server. */
export const CONNECT_TIMEOUT_MS = 15_000;
/** Whole SOAP call (request sent to last byte of the answer); a stuck server fails the call. */
export const REQUEST_TIMEOUT_MS = 120_000;

/**
 * Largest SOAP answer read into memory. A GetItem batch of GET_ITEM_BATCH items with bodies stays
 * far below it; a larger answer fails the call instead of exhausting memory.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** FindFolder (Deep) returns at most this many folders per mailbox (a larger tree is refused). */
export const MAX_FOLDERS = 2_000;

/**
 * Items per FindItem page (IndexedPageItemView MaxEntriesReturned). Exchange 2010+ caps a page at
 * 1,000 (EWSFindCountLimit); 2007 has no cap, but smaller pages keep each answer small.
 */
export const FIND_PAGE_SIZE = 250;
/** Changes per SyncFolderItems call (MaxChangesReturned: Exchange takes 1 to 512). */
export const SYNC_PAGE_SIZE = 512;

/** `list` stops with a coded error beyond this many items in one folder (a runaway paging loop). */
export const MAX_ITEMS_PER_FOLDER = 200_000;

/** Item ids per GetItem request (full items with bodies: keep each answer a few MB at most). */
export const GET_ITEM_BATCH = 50;
/** Refs one `fetch` call accepts (the caller pages; fetch batches them by GET_ITEM_BATCH). */
export const FETCH_MAX_REFS = 500;

/** Modified occurrences read per series; a series with more is listed as unsupported. */
export const MAX_MODIFIED_OCCURRENCES = 1_000;

/**
 * Largest attachment whose content is read (GetAttachment). Exchange 2007 does not say an
 * attachment's size before its content is read, so the answer is cut off at this size (in base64)
 * and the attachment is listed without content and with a size above the limit.
 */
export const ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;
/** Attachments read per item; more are listed without content. */
export const MAX_ATTACHMENTS_PER_ITEM = 50;

/** Kept sockets per source (NTLM authenticates a connection, so one socket is reused). */
export const MAX_SOCKETS = 1;
