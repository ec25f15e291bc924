import { DEFAULT_MAX_MESSAGE_MB } from '../mail/limits';

/**
 * Microsoft Graph / Exchange Online limits mailferry keeps to, in one place. Per app per mailbox:
 * 4 concurrent requests, 10,000 requests per 10 minutes, 150 MB uploaded per 5 minutes; `$batch`
 * carries at most 20 requests, of which Graph runs at most 4 at a time. Keeping under these on the
 * client side makes a 429 the exception rather than the pacing mechanism.
 */
export interface GraphLimits {
  concurrentRequestsPerMailbox: number;
  requestsPerWindow: number;
  requestWindowMs: number;
  uploadBytesPerWindow: number;
  uploadWindowMs: number;
  /**
   * Added to each window on the client: the server counts a request when it arrives, a little after
   * the client counted it, so a window that has just expired here may not have there yet.
   */
  windowSafetyMs: number;
}

export const EXCHANGE_ONLINE_GRAPH_LIMITS: GraphLimits = {
  concurrentRequestsPerMailbox: 4,
  requestsPerWindow: 10_000,
  requestWindowMs: 10 * 60_000,
  uploadBytesPerWindow: 150 * 1024 * 1024,
  uploadWindowMs: 5 * 60_000,
  windowSafetyMs: 1_000,
};

/** Limits with every window divided by `factor` (benchmarks compress time; counts stay the same). */
export function scaledLimits(factor: number, base: GraphLimits = EXCHANGE_ONLINE_GRAPH_LIMITS): GraphLimits {
  return {
    ...base,
    requestWindowMs: base.requestWindowMs / factor,
    uploadWindowMs: base.uploadWindowMs / factor,
    windowSafetyMs: Math.max(250, base.windowSafetyMs / factor),
  };
}

export const BATCH_LIMITS = {
  /** Requests in one $batch. */
  maxRequests: 20,
  /** Requests of one batch Graph runs at the same time (they occupy the mailbox's concurrency). */
  parallelism: 4,
};

export const RETRY_LIMITS = {
  /** Attempts after the first for 429/503/504 and network failures of idempotent requests. */
  maxRetries: 10,
  /** Backoff when a 503/504 carries no Retry-After: 1 s doubling up to this. */
  maxBackoffMs: 60_000,
  firstBackoffMs: 1_000,
  /** A Retry-After longer than this is not waited out in-process: the error goes to the caller. */
  maxRetryAfterMs: 10 * 60_000,
  /** Per-request timeout. */
  requestTimeoutMs: 120_000,
};

export const MESSAGE_LIMITS = {
  /** Attachments up to this size go inline in the create request (Graph: under 3 MB by POST). */
  inlineAttachmentBytes: 3 * 1024 * 1024,
  /** A create request's JSON stays under Graph's 4 MB request limit. */
  maxCreateRequestBytes: 4 * 1024 * 1024 - 64 * 1024,
  /** Upload session chunk: a multiple of 320 KiB, at most 4 MB (Graph's guidance). */
  uploadChunkBytes: 320 * 1024 * 12,
  /** Exchange Online's default maximum message size (35 MB; tenants may raise it to 150 MB). */
  defaultMaxMessageBytes: DEFAULT_MAX_MESSAGE_MB * 1024 * 1024,
  /** Messages whose create request is at most this size are sent in $batch groups. */
  batchableCreateBytes: 256 * 1024,
};
