/**
 * Limits of the app path's mail copy (copyMailboxChunk), apart from the engine's own
 * (shared/mail/limits.ts: a chunk is ≤ 500 messages or ≤ 50 MB).
 */

/**
 * How long one copy call keeps starting chunks: it copies chunk after chunk (each checkpointed)
 * until this much time has passed, then reports back so the orchestration records progress.
 * Far below the host's functionTimeout (10 min) even with a 50 MB chunk started at the last moment.
 */
export const COPY_CALL_BUDGET_MS = 30_000;

/**
 * Folders of one mailbox copied at once, each on its own source and target connections (as the
 * library's syncMailbox does): one folder's round trips overlap another's transfer, and appends into
 * different folders do not contend for one folder's lock. A target whose `connections` setting is
 * higher gets as many folders at once, up to that setting.
 */
export const FOLDERS_AT_ONCE = 2;
