import { DEFAULT_BYTES_IN_FLIGHT } from './limits';

/**
 * Message bytes held in memory across the process. Every message body is acquired here before it is
 * fetched and released when its APPEND is over, so memory follows this budget, not mailbox or
 * message count. A message larger than the whole budget waits until nothing else is held, then goes
 * alone.
 */
export class ByteBudget {
  private used = 0;
  private readonly queue: Array<{ n: number; go: () => void }> = [];

  constructor(readonly capacity: number) {}

  get inFlight(): number {
    return this.used;
  }

  acquire(n: number): Promise<void> {
    if (this.queue.length === 0 && this.fits(n)) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((go) => this.queue.push({ n, go }));
  }

  release(n: number): void {
    this.used -= n;
    // First come, first served: a large message at the head is not starved by small ones behind it.
    while (this.queue.length && this.fits(this.queue[0]!.n)) {
      const next = this.queue.shift()!;
      this.used += next.n;
      next.go();
    }
  }

  private fits(n: number): boolean {
    return this.used === 0 || this.used + n <= this.capacity;
  }
}

const fromEnv = Number(process.env.MAILFERRY_BYTES_IN_FLIGHT);
/** The process-wide budget shared by every chunk call. */
export const processBudget = new ByteBudget(
  Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_BYTES_IN_FLIGHT,
);
