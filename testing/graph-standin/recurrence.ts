/**
 * Expands Microsoft Graph's `patternedRecurrence` (v1.0 recurrencePattern + recurrenceRange) into
 * occurrences, the way Outlook/Exchange lays out a series:
 * - daily: every `interval` days; weekly: every `interval` weeks on `daysOfWeek`, weeks starting on
 *   `firstDayOfWeek` (default sunday);
 * - absoluteMonthly / absoluteYearly: `dayOfMonth` (of `month`), on the month's last day when the
 *   month is shorter;
 * - relativeMonthly / relativeYearly: the `index` (first, second, third, fourth, last) day of the
 *   month that is one of `daysOfWeek`;
 * - range endDate (inclusive), numbered (`numberOfOccurrences`) or noEnd, from `startDate`;
 * - every occurrence starts at the series' wall-clock start time in `recurrenceTimeZone` (else the
 *   start's zone) and lasts as long as the series master.
 */
import { localToUtc, type LocalDateTime } from './timezones';

export type PatternType =
  'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';

export const PATTERN_TYPES: PatternType[] = [
  'daily',
  'weekly',
  'absoluteMonthly',
  'relativeMonthly',
  'absoluteYearly',
  'relativeYearly',
];
export const DAYS_OF_WEEK = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
export const WEEK_INDEXES = ['first', 'second', 'third', 'fourth', 'last'];
export const RANGE_TYPES = ['endDate', 'noEnd', 'numbered'];

export interface RecurrencePattern {
  type: PatternType;
  interval: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: string[];
  firstDayOfWeek?: string;
  index?: string;
}

export interface RecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
  recurrenceTimeZone?: string;
}

export interface PatternedRecurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

/** Why Graph would refuse this recurrence, or null when it is complete for its pattern type. */
export function recurrenceProblem(r: PatternedRecurrence): string | null {
  const p = r.pattern;
  if (!Number.isInteger(p.interval) || p.interval < 1) return 'pattern.interval must be 1 or more.';
  const needsDays = ['weekly', 'relativeMonthly', 'relativeYearly'].includes(p.type);
  if (needsDays && (!p.daysOfWeek || p.daysOfWeek.length === 0))
    return `pattern.daysOfWeek is required for a ${p.type} pattern.`;
  const needsDayOfMonth = p.type === 'absoluteMonthly' || p.type === 'absoluteYearly';
  if (needsDayOfMonth && (!p.dayOfMonth || p.dayOfMonth < 1 || p.dayOfMonth > 31))
    return `pattern.dayOfMonth (1-31) is required for a ${p.type} pattern.`;
  const needsMonth = p.type === 'absoluteYearly' || p.type === 'relativeYearly';
  if (needsMonth && (!p.month || p.month < 1 || p.month > 12))
    return `pattern.month (1-12) is required for a ${p.type} pattern.`;
  const range = r.range;
  if (!dayNumber(range.startDate)) return 'range.startDate must be a date (yyyy-MM-dd).';
  if (range.type === 'endDate') {
    const end = dayNumber(range.endDate ?? '');
    if (end === null) return 'range.endDate is required for an endDate range.';
    if (end < dayNumber(range.startDate)!) return 'range.endDate is before range.startDate.';
  }
  if (
    range.type === 'numbered' &&
    !(Number.isInteger(range.numberOfOccurrences) && range.numberOfOccurrences! > 0)
  )
    return 'range.numberOfOccurrences must be 1 or more for a numbered range.';
  return null;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a `yyyy-MM-dd` date, or null. */
export function dayNumber(date: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(date);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  if (d.getUTCDate() !== Number(m[3]) || d.getUTCMonth() !== Number(m[2]) - 1) return null;
  return ms / DAY_MS;
}

const civil = (day: number) => {
  const d = new Date(day * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), dow: d.getUTCDay() };
};
const dayOf = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / DAY_MS;
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The index-th day of the month whose weekday is in `dows` (index: first..fourth, last). */
function relativeDay(year: number, month: number, dows: Set<number>, index: string): number | null {
  const matching: number[] = [];
  for (let d = 1; d <= daysIn(year, month); d++) {
    const day = dayOf(year, month, d);
    if (dows.has(civil(day).dow)) matching.push(day);
  }
  if (index === 'last') return matching.at(-1) ?? null;
  return matching[WEEK_INDEXES.indexOf(index)] ?? null;
}

/** Candidate dates of the pattern, in order, from the period containing `start`; unbounded. */
function* patternDays(p: RecurrencePattern, start: number): Generator<number> {
  const dows = new Set((p.daysOfWeek ?? []).map((d) => DAYS_OF_WEEK.indexOf(d.toLowerCase())));
  const index = (p.index ?? 'first').toLowerCase();
  const s = civil(start);
  switch (p.type) {
    case 'daily':
      for (let day = start; ; day += p.interval) yield day;
    // falls through never: the loop above does not end
    case 'weekly': {
      const fdw = DAYS_OF_WEEK.indexOf((p.firstDayOfWeek ?? 'sunday').toLowerCase());
      const weekStart = start - ((s.dow - fdw + 7) % 7);
      const offsets = [...dows].map((d) => (d - fdw + 7) % 7).sort((a, b) => a - b);
      for (let w = weekStart; ; w += 7 * p.interval) for (const o of offsets) yield w + o;
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
      for (let k = 0; ; k += p.interval) {
        const total = s.year * 12 + (s.month - 1) + k;
        const [y, m] = [Math.floor(total / 12), (total % 12) + 1];
        const day =
          p.type === 'absoluteMonthly'
            ? dayOf(y, m, Math.min(p.dayOfMonth!, daysIn(y, m)))
            : relativeDay(y, m, dows, index);
        if (day !== null) yield day;
      }
    case 'absoluteYearly':
    case 'relativeYearly':
      for (let y = s.year; ; y += p.interval) {
        const m = p.month!;
        const day =
          p.type === 'absoluteYearly'
            ? dayOf(y, m, Math.min(p.dayOfMonth!, daysIn(y, m)))
            : relativeDay(y, m, dows, index);
        if (day !== null) yield day;
      }
  }
}

export interface Occurrence {
  /** Original start (UTC, epoch ms): identifies the occurrence even after it is edited. */
  start: number;
  end: number;
}

/** Stops an unbounded series from running away when a window is huge. */
const MAX_OCCURRENCES = 20_000;

/**
 * Occurrences of a series that overlap [windowStart, windowEnd), in order. `startTime` is the
 * series' wall-clock start (its date is ignored: the range's startDate rules), `durationMs` its length.
 */
export function expand(
  r: PatternedRecurrence,
  startTime: LocalDateTime,
  zone: string,
  durationMs: number,
  windowStart: number,
  windowEnd: number,
): Occurrence[] {
  const first = dayNumber(r.range.startDate)!;
  const last = r.range.type === 'endDate' ? dayNumber(r.range.endDate!)! : Infinity;
  const count = r.range.type === 'numbered' ? r.range.numberOfOccurrences! : Infinity;
  const out: Occurrence[] = [];
  let n = 0;
  let previous = -Infinity;
  for (const day of patternDays(r.pattern, first)) {
    if (day < first || day <= previous) continue;
    previous = day;
    if (day > last || n >= count || n >= MAX_OCCURRENCES) break;
    n++;
    const c = civil(day);
    const start = localToUtc({ ...startTime, year: c.year, month: c.month, day: c.day }, zone);
    if (start >= windowEnd) break;
    if (start + durationMs > windowStart || (durationMs === 0 && start >= windowStart))
      out.push({ start, end: start + durationMs });
  }
  return out;
}
