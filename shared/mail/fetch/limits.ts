/** Limits of the source's FETCH reader. */

/**
 * Longest response line (the text between literals) accepted: a FETCH line holds a few items and a
 * flag list; a server that sends more without a line end is not speaking IMAP to us.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * Largest literal accepted in a response: a bulk FETCH asks only for messages up to the large-body
 * threshold (larger ones are streamed in partial FETCHes), but a message may have grown meanwhile,
 * so this leaves room above it and still refuses an absurd announcement before allocating it.
 */
export const MAX_LITERAL_BYTES = 256 * 1024 * 1024;

/** LOGOUT's answer is waited for this long at close, then the socket is closed anyway. */
export const LOGOUT_WAIT_MS = 2000;
