/**
 * Limits of the embedded durable runtime's storage. Instances are spread over a few fixed
 * partitions of the instances table so that the episodes of many instances written at the same
 * moment can share one entity-group transaction (one round trip instead of one per instance).
 */

/** Partitions the instances are hashed into: commits to different partitions go out in parallel. */
export const STORE_PARTITIONS = 4;

/** Entity-group transactions take at most 100 operations. */
export const MAX_TX_OPS = 100;

/**
 * Characters of entity text one combined transaction may carry. A transaction's body may not
 * exceed 4 MiB; strings count twice in UTF-16 and the body adds its own framing, so stay well under.
 * A single commit larger than this still goes out (alone), as it did before commits were combined.
 */
export const MAX_TX_CHARS = 1_000_000;
