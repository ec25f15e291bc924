import { child, text, type XNode } from './soap';
import { wallClock, zonedInstant } from './timezone';

/**
 * EWS Recurrence (Exchange 2007 schema) → an iCalendar RRULE value (RFC 5545), one to one:
 * Daily/Weekly/AbsoluteMonthly/RelativeMonthly/AbsoluteYearly/RelativeYearly patterns with
 * NoEnd/EndDate/Numbered ranges. Throws RecurrenceError on a pattern it cannot read (the item is
 * then listed as malformed).
 */
export class RecurrenceError extends Error {}

const BYDAY: Record<string, string[]> = {
  Sunday: ['SU'],
  Monday: ['MO'],
  Tuesday: ['TU'],
  Wednesday: ['WE'],
  Thursday: ['TH'],
  Friday: ['FR'],
  Saturday: ['SA'],
  Day: ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'],
  Weekday: ['MO', 'TU', 'WE', 'TH', 'FR'],
  WeekendDay: ['SU', 'SA'],
};
const INDEX: Record<string, number> = { First: 1, Second: 2, Third: 3, Fourth: 4, Last: -1 };
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function days(value: string | undefined): string[] {
  const words = (value ?? '').split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new RecurrenceError('DaysOfWeek is empty');
  return words.flatMap((w) => {
    const d = BYDAY[w];
    if (!d) throw new RecurrenceError(`unknown day "${w}"`);
    return d;
  });
}

function positive(value: string | undefined, what: string, max = 999): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new RecurrenceError(`${what} "${value ?? ''}" is not a number from 1 to ${max}`);
  return n;
}

function month(value: string | undefined): number {
  const m = MONTHS.indexOf(value ?? '') + 1;
  if (m < 1) throw new RecurrenceError(`unknown month "${value ?? ''}"`);
  return m;
}

function index(value: string | undefined): number {
  const i = INDEX[value ?? ''];
  if (i === undefined) throw new RecurrenceError(`unknown DayOfWeekIndex "${value ?? ''}"`);
  return i;
}

/** "Relative" patterns: one weekday → BYDAY=2TU; Day/Weekday/WeekendDay → BYDAY=list;BYSETPOS=n. */
function relative(node: XNode): string[] {
  const list = days(text(node, 'DaysOfWeek'));
  const i = index(text(node, 'DayOfWeekIndex'));
  return list.length === 1 ? [`BYDAY=${i}${list[0]}`] : [`BYDAY=${list.join(',')}`, `BYSETPOS=${i}`];
}

function interval(node: XNode): string[] {
  const n = positive(text(node, 'Interval') ?? '1', 'Interval');
  return n === 1 ? [] : [`INTERVAL=${n}`];
}

function pattern(rec: XNode): string[] {
  let p: XNode | undefined;
  if ((p = child(rec, 'DailyRecurrence'))) return ['FREQ=DAILY', ...interval(p)];
  if ((p = child(rec, 'WeeklyRecurrence'))) {
    const wkst = BYDAY[text(p, 'FirstDayOfWeek') ?? '']?.[0];
    return [
      'FREQ=WEEKLY',
      ...interval(p),
      `BYDAY=${days(text(p, 'DaysOfWeek')).join(',')}`,
      ...(wkst ? [`WKST=${wkst}`] : []),
    ];
  }
  if ((p = child(rec, 'AbsoluteMonthlyRecurrence'))) {
    return [
      'FREQ=MONTHLY',
      ...interval(p),
      `BYMONTHDAY=${positive(text(p, 'DayOfMonth'), 'DayOfMonth', 31)}`,
    ];
  }
  if ((p = child(rec, 'RelativeMonthlyRecurrence'))) return ['FREQ=MONTHLY', ...interval(p), ...relative(p)];
  if ((p = child(rec, 'AbsoluteYearlyRecurrence'))) {
    return [
      'FREQ=YEARLY',
      `BYMONTH=${month(text(p, 'Month'))}`,
      `BYMONTHDAY=${positive(text(p, 'DayOfMonth'), 'DayOfMonth', 31)}`,
    ];
  }
  if ((p = child(rec, 'RelativeYearlyRecurrence')))
    return ['FREQ=YEARLY', `BYMONTH=${month(text(p, 'Month'))}`, ...relative(p)];
  const other = Object.keys(rec).find((k) => k.endsWith('Recurrence') || k.endsWith('Regeneration'));
  throw new RecurrenceError(other ? `the ${other} pattern is not supported` : 'no recurrence pattern');
}

/** `2006-10-30` or `2006-10-30-08:00` (2007 may append the zone) → `2006-10-30`. */
function dateOnly(value: string | undefined, what: string): string {
  const d = /^(\d{4}-\d{2}-\d{2})/.exec(value ?? '')?.[1];
  if (!d) throw new RecurrenceError(`${what} "${value ?? ''}" is not a date`);
  return d;
}

/**
 * The RRULE for a Recurrence element. `start` is the series' first start as wall-clock time in
 * `zone`. UNTIL is inclusive of the EndDate: for a timed series it is the EndDate at the series'
 * start time in the zone, written in UTC (RFC 5545 requires UTC with a zoned DTSTART); for an
 * all-day series it is the EndDate as a DATE.
 */
export function recurrenceToRrule(rec: XNode, start: string, zone: string, isAllDay: boolean): string {
  const parts = pattern(rec);
  let r: XNode | undefined;
  if ((r = child(rec, 'NumberedRecurrence'))) {
    parts.push(`COUNT=${positive(text(r, 'NumberOfOccurrences'), 'NumberOfOccurrences', 999_999)}`);
  } else if ((r = child(rec, 'EndDateRecurrence'))) {
    const end = dateOnly(text(r, 'EndDate'), 'EndDate');
    if (isAllDay) {
      parts.push(`UNTIL=${end.replace(/-/g, '')}`);
    } else {
      const instant = zonedInstant(`${end}T${start.slice(11, 19)}`, zone);
      parts.push(
        `UNTIL=${instant
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, '')}`,
      );
    }
  } else if (!child(rec, 'NoEndRecurrence')) {
    throw new RecurrenceError('no recurrence range (NoEnd, EndDate or Numbered)');
  }
  return parts.join(';');
}

/** Sanity check used by the mapper: a UTC instant from EWS as wall-clock in the series' zone. */
export function utcToWall(value: string, zone: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new RecurrenceError(`"${value}" is not a date-time`);
  return wallClock(new Date(t), zone);
}
