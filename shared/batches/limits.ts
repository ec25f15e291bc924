/** Limits of batch ingest and removal. */

/** The table of per-address claims (see address-claims.ts). */
export const ADDRESS_CLAIMS_TABLE = 'mailboxclaims';
/** Claims written per transaction (the service's limit is 100 operations). */
export const CLAIM_TRANSACTION_ROWS = 100;
/** Claim partitions written at once. */
export const CLAIM_SHARDS_AT_ONCE = 4;
/** Reads and conditional writes of one contended claim before it counts as held. */
export const CLAIM_TAKEOVER_ATTEMPTS = 5;
/**
 * How long a claim whose batch row does not exist yet still holds its address: longer than any
 * ingest takes (50,000 rows take well under a minute), short enough that an ingest that died
 * between claiming and creating its batch frees its addresses the same hour.
 */
export const UNFINISHED_INGEST_CLAIM_MS = 15 * 60_000;
