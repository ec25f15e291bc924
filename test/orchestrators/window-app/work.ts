/**
 * What the stand-in mailbox work saw: which mailbox ran in which phase, how many ran at once, and
 * hooks to hold a mailbox (a slow one) or to fail reports. Shared between the app and the test.
 */
type Phase = 'provision' | 'copy';

export const work = {
  done: { provision: [] as string[], copy: [] as string[] },
  running: 0,
  peak: 0,
  /** Mailboxes that finished while `held` was still running. */
  finishedWhileHeld: 0,
  heldRunning: false,
  held: undefined as string | undefined,
  /** Hold the first mailbox whose copy starts (until the test releases it). */
  holdFirstCopy: false,
  release: undefined as (() => void) | undefined,
  delayMs: 5,
  reports: [] as string[],
  failReports: 0,
  /** Copies started so far; a copy whose start number is in `barriers` waits until `window` run at once. */
  copiesStarted: 0,
  barriers: new Set<number>(),
  window: 0,
  barrierTimeouts: 0,

  reset(): void {
    this.done = { provision: [], copy: [] };
    this.running = this.peak = this.finishedWhileHeld = 0;
    this.heldRunning = false;
    this.held = undefined;
    this.holdFirstCopy = false;
    this.release = undefined;
    this.reports = [];
    this.failReports = 0;
    this.copiesStarted = 0;
    this.barriers = new Set();
    this.window = 0;
    this.barrierTimeouts = 0;
  },

  /** Waits (up to 20 s) until `window` mailboxes are running at once; proves the window is full. */
  async barrier(): Promise<void> {
    for (let waited = 0; this.running < this.window; waited += 5) {
      if (waited > 20_000) {
        this.barrierTimeouts++;
        return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  },

  async run(phase: Phase, email: string): Promise<void> {
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    try {
      if (phase === 'copy' && this.holdFirstCopy && this.held === undefined) this.held = email;
      if (phase === 'copy' && this.barriers.has(this.copiesStarted++)) await this.barrier();
      if (phase === 'copy' && email === this.held) {
        this.heldRunning = true;
        await new Promise<void>((resolve) => (this.release = resolve));
        this.heldRunning = false;
      } else {
        await new Promise((r) => setTimeout(r, this.delayMs));
        if (this.heldRunning) this.finishedWhileHeld++;
      }
      this.done[phase].push(email);
    } finally {
      this.running--;
    }
  },
};
