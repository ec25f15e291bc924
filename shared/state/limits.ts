/**
 * Every limit and fixed name of the state repositories, in one place.
 * Azure Table Storage limits (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model):
 * a string property holds at most 64 KiB (32,768 UTF-16 code units), an entity at most 1 MiB, a
 * transaction (entity group) at most 100 operations on one partition and 4 MiB.
 */
export const TABLE_NAMES = {
  endpoints: 'endpoints',
  batches: 'batches',
  mailboxes: 'mailboxes',
  runs: 'runs',
} as const;

/** Longest string we put in one property: below 32,768 code units with room for the JSON envelope. */
export const MAX_STRING_PROPERTY = 30_000;
/** Operations per entity-group transaction (service limit 100). */
export const MAX_TRANSACTION_OPERATIONS = 100;
/** Parallel transactions when writing or deleting a whole mailbox partition. */
export const PARTITION_WRITE_CONCURRENCY = 4;
/** Batches whose counts are read at once when listing batches (each read is MAILBOX_PARTITIONS point reads). */
export const BATCH_LIST_READ_CONCURRENCY = 4;

/** Optimistic concurrency: attempts before giving up with STATE_CONFLICT, and the backoff window. */
export const MAX_UPDATE_ATTEMPTS = 60;
export const RETRY_BASE_DELAY_MS = 5;
export const RETRY_MAX_DELAY_MS = 250;

/** Partitions per batch in the mailboxes table (see keys.ts); each has its own counts row. */
export const MAILBOX_PARTITIONS = 8;

/** Paged mailbox listing. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Error text kept on a row (last error of a batch or mailbox). */
export const MAX_ERROR_MESSAGE_LENGTH = 2000;

/** Defaults of batch and endpoint options (docs/architecture.md, "A batch through the code"). */
export const DEFAULT_MAX_CONCURRENT_MIGRATIONS = 20;
export const MAX_CONCURRENT_MIGRATIONS_LIMIT = 100;
export const DEFAULT_INCREMENTAL_SYNC_INTERVAL_HOURS = 24;
export const MAX_INCREMENTAL_SYNC_INTERVAL_HOURS = 24 * 30;

/** Batch ids: short, URL-safe, lowercase letters and digits (valid in Key Vault and blob names too). */
export const BATCH_ID_LENGTH = 12;

/**
 * Batch runs (runs.ts): addresses per plan row (a 50,000-mailbox run is 100 rows), and how many
 * plan rows one process keeps in memory (they never change, so caching them is safe).
 */
export const RUN_PLAN_PAGE_SIZE = 500;
export const RUN_PLAN_CACHE_PAGES = 256;
/** Stripe rows (one per window slot of a run) whose last written state and ETag a process keeps. */
export const RUN_STRIPE_CACHE_ROWS = 4096;
