/**
 * Time for the host: durable timers and the timer-trigger scheduler read it, so tests can move it
 * forward instead of waiting.
 */
export interface Clock {
  now(): Date;
  /** Calls `fn` once the clock reaches `at`; returns a cancel function. */
  at(at: Date, fn: () => void): () => void;
}

/** Node's setTimeout caps a delay at about 24.8 days; longer waits re-arm. */
const MAX_DELAY = 2_147_483_000;

export const systemClock: Clock = {
  now: () => new Date(),
  at(at, fn) {
    let handle: NodeJS.Timeout;
    const arm = (): void => {
      const delay = at.getTime() - Date.now();
      handle = setTimeout(delay > MAX_DELAY ? arm : fn, Math.max(0, Math.min(delay, MAX_DELAY)));
      handle.unref?.();
    };
    arm();
    return () => clearTimeout(handle);
  },
};

/** A clock that moves only when told to; due callbacks run in time order. */
export class ManualClock implements Clock {
  private current: number;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  at(at: Date, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at: at.getTime(), fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
    }
    this.current = target;
  }

  pending(): number {
    return this.timers.length;
  }
}
