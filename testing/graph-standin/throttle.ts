import type { ThrottleStats } from './state';

/**
 * Exchange Online's per-app, per-mailbox limits for Graph mail requests, as documented: 4
 * concurrent requests, 10,000 requests per 10 minutes, 150 MB uploaded per 5 minutes. A request
 * over any of them gets 429 with Retry-After. Windows are configurable so a benchmark can compress
 * time; `storm` forces a run of 429s to test a client's patience.
 */
export interface StandinLimits {
  concurrentRequests: number;
  requestsPerWindow: number;
  requestWindowMs: number;
  uploadBytesPerWindow: number;
  uploadWindowMs: number;
}

export const EXCHANGE_ONLINE_LIMITS: StandinLimits = {
  concurrentRequests: 4,
  requestsPerWindow: 10_000,
  requestWindowMs: 10 * 60_000,
  uploadBytesPerWindow: 150 * 1024 * 1024,
  uploadWindowMs: 5 * 60_000,
};

export interface StormOptions {
  /** How many mailbox requests (counting from now) get 429 regardless of load. */
  count: number;
  retryAfterSeconds: number;
}

export type RetryAfterFormat = 'seconds' | 'http-date';

interface MailboxCounters {
  inFlight: number;
  requests: number[];
  uploads: Array<{ at: number; bytes: number }>;
  /** Deadline of the last Retry-After given for this mailbox. */
  notBefore: number;
  /** When that Retry-After was given: only requests sent after it can have known of it. */
  throttledAt: number;
}

export interface Admission {
  ok: boolean;
  /** On refusal: seconds to wait and the deadline (epoch ms). */
  retryAfterSeconds?: number;
  notBefore?: number;
  reason?: string;
  release(): void;
}

export class MailboxThrottle {
  private readonly counters = new Map<string, MailboxCounters>();
  private stormLeft = 0;
  private stormSeconds = 1;

  constructor(
    private readonly limits: StandinLimits,
    private readonly stats: ThrottleStats,
  ) {}

  storm(options: StormOptions): void {
    this.stormLeft = options.count;
    this.stormSeconds = options.retryAfterSeconds;
  }

  private counter(key: string): MailboxCounters {
    let c = this.counters.get(key);
    if (!c) {
      c = { inFlight: 0, requests: [], uploads: [], notBefore: 0, throttledAt: Infinity };
      this.counters.set(key, c);
    }
    return c;
  }

  /**
   * Called when a mailbox request arrives; the caller must call release() when it is answered.
   * `sentAt` is when the HTTP request carrying it arrived (a $batch's sub-requests share it): a
   * request counts as sent before Retry-After only if it arrived after a 429 was given and before
   * its deadline.
   */
  admit(key: string, bytes: number, now: number = Date.now(), sentAt: number = now): Admission {
    const c = this.counter(key);
    c.inFlight++;
    const peak = this.stats.peakConcurrency.get(key) ?? 0;
    if (c.inFlight > peak) this.stats.peakConcurrency.set(key, c.inFlight);
    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        c.inFlight--;
      }
    };
    if (sentAt > c.throttledAt && sentAt < c.notBefore) this.stats.sentBeforeRetryAfter++;

    const refuse = (waitMs: number, reason: string): Admission => {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      if (now + seconds * 1000 > c.notBefore) {
        c.notBefore = now + seconds * 1000;
        c.throttledAt = now;
      }
      this.stats.throttled++;
      release();
      return { ok: false, retryAfterSeconds: seconds, notBefore: c.notBefore, reason, release };
    };

    if (this.stormLeft > 0) {
      this.stormLeft--;
      return refuse(this.stormSeconds * 1000, 'ApplicationThrottled (forced)');
    }
    if (now < c.notBefore) return refuse(c.notBefore - now, 'ApplicationThrottled (before Retry-After)');
    if (c.inFlight > this.limits.concurrentRequests) {
      return refuse(1000, 'ApplicationThrottled: MailboxConcurrency limit');
    }
    const l = this.limits;
    while (c.requests.length > 0 && c.requests[0]! <= now - l.requestWindowMs) c.requests.shift();
    if (c.requests.length >= l.requestsPerWindow) {
      return refuse(
        c.requests[0]! + l.requestWindowMs - now,
        'ApplicationThrottled: request limit per 10 minutes',
      );
    }
    while (c.uploads.length > 0 && c.uploads[0]!.at <= now - l.uploadWindowMs) c.uploads.shift();
    if (bytes > 0) {
      let used = c.uploads.reduce((s, u) => s + u.bytes, 0);
      if (used + bytes > l.uploadBytesPerWindow && used > 0) {
        // Wait until enough of the window has expired for this upload to fit.
        let until = now;
        for (const u of c.uploads) {
          used -= u.bytes;
          until = u.at + l.uploadWindowMs;
          if (used + bytes <= l.uploadBytesPerWindow) break;
        }
        return refuse(until - now, 'ApplicationThrottled: upload limit per 5 minutes');
      }
      c.uploads.push({ at: now, bytes });
    }
    c.requests.push(now);
    return { ok: true, release };
  }
}

export function retryAfterHeader(seconds: number, notBefore: number, format: RetryAfterFormat): string {
  return format === 'seconds' ? String(seconds) : new Date(Math.ceil(notBefore / 1000) * 1000).toUTCString();
}
