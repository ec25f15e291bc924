import { CronExpressionParser } from 'cron-parser';
import type { Clock } from './clock';
import type { RegisteredFunction } from './core/registry';
import type { Invoker } from './invoker';
import { resolveSetting } from './settings';

/**
 * Fires timer triggers on their NCRONTAB schedules (six fields, seconds first, UTC as on Azure),
 * reading time from the host's clock so tests can move it.
 */
export interface TimerSchedulerOptions {
  functions: RegisteredFunction[];
  invoker: Invoker;
  clock: Clock;
  extraInputsByType: () => Record<string, unknown>;
  onError?: (fn: string, e: unknown) => void;
}

export class TimerScheduler {
  private readonly cancels = new Map<string, () => void>();
  private readonly last = new Map<string, Date>();
  private stopped = false;

  constructor(private readonly options: TimerSchedulerOptions) {}

  start(): void {
    for (const fn of this.options.functions) {
      const t = fn.trigger as { schedule?: string; runOnStartup?: boolean };
      const schedule = resolveSetting(String(t.schedule ?? ''));
      nextOccurrence(schedule, this.options.clock.now()); // fail fast on a bad expression
      if (t.runOnStartup) void this.fire(fn, schedule);
      else this.arm(fn, schedule);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.values()) cancel();
  }

  private arm(fn: RegisteredFunction, schedule: string): void {
    if (this.stopped) return;
    const next = nextOccurrence(schedule, this.options.clock.now());
    this.cancels.set(
      fn.name,
      this.options.clock.at(next, () => void this.fire(fn, schedule)),
    );
  }

  private async fire(fn: RegisteredFunction, schedule: string): Promise<void> {
    const now = this.options.clock.now();
    const timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (this.last.get(fn.name) ?? new Date(0)).toISOString(),
        next: nextOccurrence(schedule, now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    this.last.set(fn.name, now);
    this.arm(fn, schedule);
    try {
      await this.options.invoker.invoke(fn, timer, { extraInputsByType: this.options.extraInputsByType() });
    } catch (e) {
      (this.options.onError ?? defaultOnError)(fn.name, e);
    }
  }
}

export function nextOccurrence(schedule: string, after: Date): Date {
  const expr = CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' });
  return expr.next().toDate();
}

function defaultOnError(fn: string, e: unknown): void {
  console.error(`timer ${fn} failed:`, e instanceof Error ? e.message : e);
}
