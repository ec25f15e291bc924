/** Every limit of the mail copy engine, in one place. */

/**
 * One copyChunk call copies at most this many messages (read as metadata before the first APPEND)...
 */
export const CHUNK_MAX_MESSAGES = 2000;
/** ...or this many bytes (whichever comes first; a single larger message still goes alone)... */
export const CHUNK_MAX_BYTES = 50 * 1024 * 1024;
/**
 * ...and starts no new append group after this long (a slow target or a throttled source ends the
 * chunk early; the rest goes in the next call, so one call stays well inside an activity's timeout).
 */
export const CHUNK_MAX_MS = 60_000;

/** Exchange Online's default message size limit; per target `maxMessageSizeMB`, at most 150. */
export const DEFAULT_MAX_MESSAGE_MB = 35;
export const MAX_MESSAGE_MB_CEILING = 150;

/** Failed (refused) items a mailbox tolerates before it fails; per run `badItemLimit`. */
export const DEFAULT_BAD_ITEM_LIMIT = 20;

/**
 * Message bytes held in memory across the whole process (bench: 16 MB keeps 4 mailboxes × 2 folder
 * workers under 256 MB RSS; the process' own baseline is ~85 MB) (all mailboxes, all chunks). A message
 * larger than this still goes, but alone. imapflow needs each message as one Buffer, so this is what
 * keeps a batch of large messages from exhausting memory.
 */
export const DEFAULT_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

/**
 * Concurrent append calls per mailbox on an IMAP target (one connection each). Appends into one
 * folder contend for its lock (Dovecot: two connections are slower than one), so one connection
 * appends while the source connection streams the next batch.
 */
export const DEFAULT_TARGET_CONNECTIONS = 1;

/**
 * Messages per append call (MULTIAPPEND)... Big batches pay: Dovecot commits a MULTIAPPEND in one
 * transaction whose cost grows with the folder, so 2,000 messages in batches of 200 go about four
 * times faster than in batches of 50.
 */
export const APPEND_BATCH_MESSAGES = 250;
/** ...and bytes per append call (a larger message goes alone). */
export const APPEND_BATCH_BYTES = 4 * 1024 * 1024;

/** Index rows written per Table transaction (the service's maximum is 100). */
export const TABLE_BATCH = 100;
/**
 * UIDs per item-index partition: bounds what a row write costs in a store that looks rows up
 * within their partition, and keeps a chunk's range query to one or two partitions.
 */
export const INDEX_BUCKET_UIDS = 1000;
/**
 * Fingerprints looked up per index query after a crash (row layouts, whose filter runs in the
 * store): the Table service allows 15 comparisons in a filter, three of which the partition range
 * and the row state take.
 */
export const FINGERPRINTS_PER_QUERY = 12;

/**
 * Packed item index (layout 2): one entity holds the rows of this many consecutive UIDs, one
 * property each. Part of the stored format: a folder's pages keep this size for its whole life
 * (another size would be another layout). It divides INDEX_BUCKET_UIDS, so a page never straddles
 * a bucket (partition), and stays well under the service's 252 properties per entity. Measured
 * (10,000 rows written as a copy writes them, groups of 250, and read back a chunk's range at a time,
 * into Azurite; `npm run bench -- item-index` prints the same "index alone"): pages of 100, 125 and
 * 200 all cost ~0.25 s of this process's CPU and ~0.25 s of Azurite's (a row per UID: 1.1 s and
 * 1.9 s); 125 leaves the most room under every entity limit (below).
 */
export const INDEX_PAGE_UIDS = 125;
/**
 * Characters of one packed row (state, size, fingerprint, target id, flags). A longer row keeps a
 * digest of its flags instead of the list (flag sync then sets them again, harmlessly); a row still
 * longer (a target id of thousands of characters: no real target makes one) is refused. So a page is
 * at most ~125 × 4 KiB ≈ 0.5 MiB, half the service's 1 MiB per entity (strings count 2 bytes a
 * character), and a property is far below its 64 KiB.
 */
export const INDEX_PACKED_ROW_MAX_CHARS = 2048;
/**
 * Estimated bytes per index transaction (the service's limit is 4 MiB a change set): full packed
 * pages of long rows go several transactions per bucket instead of one.
 */
export const TABLE_BATCH_BYTES = 2 * 1024 * 1024;
/**
 * Packed pages per response when a whole generation is streamed (itemsWhere): at most 4,000 rows
 * in memory besides the matches, whatever the folder's size.
 */
export const INDEX_STREAM_PAGES = 32;

/** Throttling and dropped connections: how often and how long to wait inside one call. */
export const MAX_RETRIES = 5;
export const FIRST_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 30000;
/**
 * A server-suggested backoff longer than this is not slept inside an activity: the call returns
 * `retryAfterMs` so the orchestrator can wait on a durable timer instead.
 */
export const MAX_INLINE_BACKOFF_MS = 60000;

/**
 * Appends whose answer was lost, looked up on the target and sent again within one call at most
 * this many times; after that the call fails as transient and the next one starts with the lookup.
 */
export const MAX_UNKNOWN_ROUNDS = 3;
/**
 * Before looking up appends whose answer was lost, wait this long, and look again (at most
 * LOST_ANSWER_MAX_LOOKUPS times) until two lookups in a row agree: a server finishes the pipelined
 * APPENDs it had already received when the connection dropped, a moment after the drop.
 */
export const LOST_ANSWER_SETTLE_MS = 300;
export const LOST_ANSWER_MAX_LOOKUPS = 5;

/**
 * A message the target refused "for now" (IMAP NO [UNAVAILABLE], [INUSE]...) is tried again on the
 * folder's next pass, this long later, at most this many passes; then it is listed as failed.
 */
export const DEFERRED_RETRY_MS = 10_000;
export const MAX_DEFERRED_PASSES = 5;

/**
 * A folder's lease (one call at a time per folder): renewed while appending, cleared with the
 * checkpoint; a call that died leaves it to expire after this long.
 */
export const FOLDER_LEASE_MS = 2 * 60_000;
/**
 * A process that copies writes a heartbeat this often, good for PROCESS_ALIVE_MS: a lease held by a
 * process whose heartbeat has run out is free at once (see lease.ts). Three beats may be missed.
 */
export const PROCESS_HEARTBEAT_MS = 5_000;
export const PROCESS_ALIVE_MS = 20_000;
export const PROCESS_TABLE = 'mailprocesses';

/** Flag sync reads flags and index rows this many UIDs at a time (bounded memory on huge folders). */
export const FLAG_SCAN_PAGE = 5000;

/** IMAP socket timeouts (ms). */
export const CONNECT_TIMEOUT_MS = 30000;
export const SOCKET_TIMEOUT_MS = 5 * 60000;

/** Folder names: the longest segment the engine creates on a target. */
export const MAX_FOLDER_SEGMENT = 255;

/** syncMailbox: folders copied at once, each on its own source and target connections. */
export const SYNC_FOLDER_CONCURRENCY = 2;

/**
 * Pipelined appends (LITERAL+): message bytes sent and not yet answered on one append connection.
 * Enough to keep a loopback or LAN link busy while the server stores the previous messages; small
 * enough that a cut connection leaves few appends whose outcome must be looked up.
 */
export const PIPELINE_BYTES_IN_FLIGHT = 8 * 1024 * 1024;
/** ...and appends sent and not yet answered (many small messages). */
export const PIPELINE_COMMANDS_IN_FLIGHT = 64;
/**
 * Exchange Online: appends sent and not yet answered on its one append connection. Exchange counts
 * every command that arrives during a throttling back-off as an error and closes the connection
 * after about ten (EXCHANGE_CLOSES_AFTER_ERRORS): a throttling then costs at most this many errors
 * (the throttled append and those already on the wire; nothing more is sent until the back-off has
 * passed). Four keep a long link busy (one answer's round trip covers three more appends).
 */
export const EXCHANGE_PIPELINE_DEPTH = 4;
export const EXCHANGE_CLOSES_AFTER_ERRORS = 10;

/**
 * Session pool (per process): an idle IMAP session (a mailbox's source or target connections) is
 * kept this long for the mailbox's next chunk activity, which then needs no new login...
 */
export const SESSION_POOL_IDLE_MS = 30_000;
/** ...and at most this many idle sessions are kept (the oldest closes first). */
export const SESSION_POOL_MAX_IDLE = 32;

/**
 * A source message larger than this is never held whole: it goes alone, streamed from the source's
 * partial FETCHes into the target's APPEND literal (its size, RFC822.SIZE, is known up front)...
 */
export const LARGE_BODY_BYTES = 8 * 1024 * 1024;
/** ...this many bytes per partial FETCH... */
export const LARGE_BODY_CHUNK_BYTES = 1024 * 1024;
/**
 * ...and this much of it held at once (taken from the process budget instead of its size): the
 * slice being parsed, the one waiting in the download's pipe, the socket's write buffer.
 */
export const STREAMED_BODY_BYTES = 4 * LARGE_BODY_CHUNK_BYTES;
