import { EXCHANGE_ONLINE_GRAPH_LIMITS, type GraphLimits } from './limits';

/**
 * The client-side budget of one mailbox: at most N requests in flight, at most R requests and B
 * uploaded bytes in their sliding windows, and nothing at all before a Retry-After deadline. Waiters
 * are served first come, first served, so a large upload waiting for byte budget is not starved by
 * a stream of small requests.
 */
export interface BudgetClaim {
  /** Concurrency slots (1 for a request; up to 4 for a $batch, which Graph runs 4 at a time). */
  slots: number;
  /** Requests counted against the request window (sub-requests of a $batch each count). */
  requests: number;
  /** Request body bytes counted against the upload window. */
  bytes: number;
}

interface Waiter {
  claim: BudgetClaim;
  resolve: (release: () => void) => void;
}

export class MailboxBudget {
  private inFlight = 0;
  private readonly requestTimes: number[] = [];
  private readonly uploads: Array<{ at: number; bytes: number }> = [];
  private uploadedInWindow = 0;
  private notBefore = 0;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Highest number of requests in flight at once (for benchmarks and tests). */
  peakInFlight = 0;

  constructor(private readonly limits: GraphLimits = EXCHANGE_ONLINE_GRAPH_LIMITS) {}

  /** Waits until the claim fits; the returned function gives the concurrency slots back. */
  acquire(claim: BudgetClaim): Promise<() => void> {
    const slots = Math.max(1, Math.min(claim.slots, this.limits.concurrentRequestsPerMailbox));
    return new Promise((resolve) => {
      this.queue.push({ claim: { ...claim, slots }, resolve });
      this.pump();
    });
  }

  /** Nothing is sent for this mailbox before `deadline` (epoch ms), e.g. from Retry-After. */
  blockUntil(deadline: number): void {
    if (deadline > this.notBefore) this.notBefore = deadline;
  }

  private expire(now: number): void {
    const reqWindow = this.limits.requestWindowMs + this.limits.windowSafetyMs;
    while (this.requestTimes.length > 0 && this.requestTimes[0]! <= now - reqWindow)
      this.requestTimes.shift();
    const upWindow = this.limits.uploadWindowMs + this.limits.windowSafetyMs;
    while (this.uploads.length > 0 && this.uploads[0]!.at <= now - upWindow) {
      this.uploadedInWindow -= this.uploads.shift()!.bytes;
    }
  }

  /** 0 when the claim fits now; otherwise ms until it might (Infinity: wait for a release). */
  private waitFor(claim: BudgetClaim, now: number): number {
    const l = this.limits;
    if (now < this.notBefore) return this.notBefore - now;
    if (this.inFlight + claim.slots > l.concurrentRequestsPerMailbox) return Infinity;
    let wait = 0;
    const reqWindow = l.requestWindowMs + l.windowSafetyMs;
    const excessRequests = this.requestTimes.length + claim.requests - l.requestsPerWindow;
    if (excessRequests > 0) {
      const t = this.requestTimes[Math.min(excessRequests, this.requestTimes.length) - 1];
      wait = Math.max(wait, t === undefined ? 0 : t + reqWindow - now + 1);
    }
    // A claim larger than the whole window budget goes when the window is empty.
    if (
      claim.bytes > 0 &&
      this.uploadedInWindow > 0 &&
      this.uploadedInWindow + claim.bytes > l.uploadBytesPerWindow
    ) {
      const upWindow = l.uploadWindowMs + l.windowSafetyMs;
      let remaining = this.uploadedInWindow;
      for (const u of this.uploads) {
        remaining -= u.bytes;
        if (remaining === 0 || remaining + claim.bytes <= l.uploadBytesPerWindow) {
          wait = Math.max(wait, u.at + upWindow - now + 1);
          break;
        }
      }
    }
    return wait;
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (;;) {
      const head = this.queue[0];
      if (!head) return;
      const now = Date.now();
      this.expire(now);
      const wait = this.waitFor(head.claim, now);
      if (wait === Infinity) return; // a release will pump again
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.queue.shift();
      this.inFlight += head.claim.slots;
      this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
      for (let i = 0; i < head.claim.requests; i++) this.requestTimes.push(now);
      if (head.claim.bytes > 0) {
        this.uploads.push({ at: now, bytes: head.claim.bytes });
        this.uploadedInWindow += head.claim.bytes;
      }
      let released = false;
      head.resolve(() => {
        if (released) return;
        released = true;
        this.inFlight -= head.claim.slots;
        this.pump();
      });
    }
  }
}

/** One budget per mailbox key, shared by every client of the process that uses this registry. */
export class BudgetRegistry {
  private readonly budgets = new Map<string, MailboxBudget>();
  constructor(readonly limits: GraphLimits = EXCHANGE_ONLINE_GRAPH_LIMITS) {}
  for(mailbox: string): MailboxBudget {
    const key = mailbox.toLowerCase();
    let b = this.budgets.get(key);
    if (!b) {
      b = new MailboxBudget(this.limits);
      this.budgets.set(key, b);
    }
    return b;
  }
}
