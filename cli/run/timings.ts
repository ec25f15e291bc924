import { performance } from 'node:perf_hooks';

/**
 * Where a `mailferry run` spends its time, phase by phase, measured from the process start (so
 * module loading counts too). Printed on stderr as one line when MAILFERRY_TIMINGS is set (the
 * benchmark reads it); otherwise nothing is printed and the cost is a few clock reads.
 */
export class RunTimings {
  private readonly phases: Array<[string, number]> = [];
  private last: number;

  constructor() {
    // Everything before the first mark (node start, CLI and `run` module loading) is "load".
    this.last = 0;
  }

  /** Ends the phase under way, naming it. */
  mark(phase: string): void {
    const now = performance.now();
    this.phases.push([phase, now - this.last]);
    this.last = now;
  }

  /** `timings: load 312 ms, start 840 ms, ...` (rounded to the millisecond), or undefined when not asked for. */
  line(env: NodeJS.ProcessEnv = process.env): string | undefined {
    if (!env.MAILFERRY_TIMINGS) return undefined;
    const parts = this.phases.map(([name, ms]) => `${name} ${Math.round(ms)} ms`);
    return `timings: ${parts.join(', ')}, total ${Math.round(this.last)} ms`;
  }
}
