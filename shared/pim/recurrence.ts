import ICAL from 'ical.js';
import type { PimEvent } from './model';
import { utcToWallClock, windowsZone } from './timeZones';

/**
 * iCalendar recurrence (RFC 5545 RRULE/RDATE/EXDATE) and Graph's patternedRecurrence. `toGraphRecurrence`
 * answers the pattern only when Graph yields exactly the same instances as the rule; anything else
 * (RDATE, BYSETPOS, hourly, lists of months or month days, days past the 28th, a DTSTART the rule
 * itself would not produce) is answered with the reason, and the writer expands the series into
 * single events with `expandInstances`.
 */
export type GraphDay = 'sunday' | 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday';
export interface GraphRecurrencePattern {
  type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
  interval: number;
  month?: number;
  dayOfMonth?: number;
  daysOfWeek?: GraphDay[];
  firstDayOfWeek?: GraphDay;
  index?: 'first' | 'second' | 'third' | 'fourth' | 'last';
}
export interface GraphRecurrenceRange {
  type: 'endDate' | 'noEnd' | 'numbered';
  startDate: string;
  endDate?: string;
  numberOfOccurrences?: number;
  recurrenceTimeZone: string;
}
export interface GraphRecurrence {
  pattern: GraphRecurrencePattern;
  range: GraphRecurrenceRange;
}

export type RecurrenceMapping = { ok: true; recurrence: GraphRecurrence } | { ok: false; reason: string };

const DAYS: Record<string, GraphDay> = {
  SU: 'sunday',
  MO: 'monday',
  TU: 'tuesday',
  WE: 'wednesday',
  TH: 'thursday',
  FR: 'friday',
  SA: 'saturday',
};
const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const INDEX: Record<string, GraphRecurrencePattern['index']> = {
  '1': 'first',
  '2': 'second',
  '3': 'third',
  '4': 'fourth',
  '-1': 'last',
};
const UNSUPPORTED_PARTS = ['BYSECOND', 'BYMINUTE', 'BYHOUR', 'BYWEEKNO', 'BYYEARDAY', 'BYSETPOS'];

export function parseRrule(rrule: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const kv of rrule.replace(/^RRULE:/i, '').split(';')) {
    const [k, v] = kv.split('=');
    if (k && v !== undefined) parts.set(k.trim().toUpperCase(), v.trim().toUpperCase());
  }
  return parts;
}

const ymd = (dateTime: string) => dateTime.slice(0, 10);
const timeOf = (dateTime: string) => (dateTime.length > 10 ? dateTime.slice(11, 19) : '00:00:00');

function dateParts(date: string): { y: number; m: number; d: number; dow: number } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { y, m, d, dow: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
}

function addDays(date: string, n: number): string {
  const { y, m, d } = dateParts(date);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** UNTIL as a wall-clock time in the series' zone (a UTC UNTIL is converted; a date stays a date). */
export function untilWallClock(until: string, zone: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(until);
  if (!m) throw new Error(`bad UNTIL ${until}`);
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (!m[4]) return `${date}T23:59:59`;
  const wall = `${date}T${m[4]}:${m[5]}:${m[6]}`;
  return m[7] ? utcToWallClock(new Date(`${wall}Z`), zone) : wall;
}

/** nth weekday of its month (1..5) and whether it is the last one. */
function weekdayOrdinal(date: string): { n: number; last: boolean } {
  const { y, m, d } = dateParts(date);
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { n: Math.ceil(d / 7), last: d + 7 > daysInMonth };
}

/** The parts of a rule the pattern builders read, parsed once. */
interface Rule {
  p: Map<string, string>;
  interval: number;
  start: string;
  s: { y: number; m: number; d: number; dow: number };
  startDay: string;
  byDay: string[];
  byMonthDay: string[];
  byMonth: string[];
  wkst: GraphDay;
  plainDays: boolean;
}

/** A Graph pattern, or why the rule has none. */
type PatternOrReason = GraphRecurrencePattern | string;

export function toGraphRecurrence(
  event: Pick<PimEvent, 'rrule' | 'rdates' | 'start' | 'isAllDay'>,
): RecurrenceMapping {
  if (!event.rrule) return { ok: false, reason: 'no RRULE (RDATE only)' };
  if (event.rdates?.length)
    return { ok: false, reason: 'RDATE (extra dates) cannot be said in a Graph pattern' };
  const zone = windowsZone(event.start.timeZone);
  if (!zone) return { ok: false, reason: `unknown time zone ${event.start.timeZone}` };
  const problem = ruleProblem(event.rrule, event.isAllDay);
  if (problem) return { ok: false, reason: `not a valid rule: ${problem}` };
  const rule = readRule(event.rrule, ymd(event.start.dateTime));
  if (typeof rule === 'string') return { ok: false, reason: rule };
  const freq = rule.p.get('FREQ') ?? '';
  const pattern =
    freq === 'DAILY'
      ? dailyPattern(rule)
      : freq === 'WEEKLY'
        ? weeklyPattern(rule)
        : freq === 'MONTHLY' || freq === 'YEARLY'
          ? monthlyPattern(rule, freq === 'YEARLY')
          : `FREQ=${freq || '(none)'}`;
  if (typeof pattern === 'string') return { ok: false, reason: pattern };
  const range = recurrenceRange(rule, event, zone);
  if (typeof range === 'string') return { ok: false, reason: range };
  return { ok: true, recurrence: { pattern, range } };
}

function readRule(rrule: string, start: string): Rule | string {
  const p = parseRrule(rrule);
  for (const part of UNSUPPORTED_PARTS) if (p.has(part)) return `${part} has no Graph equivalent`;
  const interval = Number(p.get('INTERVAL') ?? '1');
  if (!Number.isInteger(interval) || interval < 1 || interval > 99) return `INTERVAL=${p.get('INTERVAL')}`;
  const s = dateParts(start);
  const byDay = p.get('BYDAY')?.split(',') ?? [];
  const wkst = DAYS[p.get('WKST') ?? 'MO'];
  if (!wkst) return `WKST=${p.get('WKST')}`;
  return {
    p,
    interval,
    start,
    s,
    startDay: DAY_CODES[s.dow]!,
    byDay,
    byMonthDay: p.get('BYMONTHDAY')?.split(',') ?? [],
    byMonth: p.get('BYMONTH')?.split(',') ?? [],
    wkst,
    plainDays: byDay.every((d) => DAYS[d]),
  };
}

function dailyPattern(r: Rule): PatternOrReason {
  if (r.byMonthDay.length || r.byMonth.length) return 'DAILY with BYMONTH/BYMONTHDAY';
  if (!r.byDay.length) return { type: 'daily', interval: r.interval };
  if (r.interval !== 1 || !r.plainDays) return 'DAILY with BYDAY and an interval';
  if (!r.byDay.includes(r.startDay)) return "DTSTART is not one of the rule's days";
  return { type: 'weekly', interval: 1, daysOfWeek: r.byDay.map((d) => DAYS[d]!), firstDayOfWeek: r.wkst };
}

function weeklyPattern(r: Rule): PatternOrReason {
  if (r.byMonthDay.length || r.byMonth.length) return 'WEEKLY with BYMONTH/BYMONTHDAY';
  const days = r.byDay.length ? r.byDay : [r.startDay];
  if (!days.every((d) => DAYS[d])) return 'WEEKLY with ordinal days';
  if (!days.includes(r.startDay)) return "DTSTART is not one of the rule's days";
  return {
    type: 'weekly',
    interval: r.interval,
    daysOfWeek: [...new Set(days)].map((d) => DAYS[d]!),
    firstDayOfWeek: r.wkst,
  };
}

function monthlyPattern(r: Rule, yearly: boolean): PatternOrReason {
  if (!yearly && r.byMonth.length) return 'MONTHLY with BYMONTH';
  if (r.byMonth.length > 1) return 'a list of months';
  const month = r.byMonth.length ? Number(r.byMonth[0]) : r.s.m;
  if (yearly && month !== r.s.m) return "DTSTART is not in the rule's month";
  return r.byDay.length ? relativePattern(r, yearly, month) : absolutePattern(r, yearly, month);
}

/** "The second Tuesday" of each month (or of the rule's month). */
function relativePattern(r: Rule, yearly: boolean, month: number): PatternOrReason {
  if (r.byMonthDay.length) return 'BYDAY with BYMONTHDAY';
  if (r.byDay.length > 1) return 'several ordinal days';
  if (yearly && !r.byMonth.length) return 'a weekday of the year (no BYMONTH)';
  const m = /^([+-]?\d)?(SU|MO|TU|WE|TH|FR|SA)$/.exec(r.byDay[0]!);
  const index = m?.[1] ? INDEX[String(Number(m[1]))] : undefined;
  if (!m || !index) return `BYDAY=${r.byDay[0]}`;
  const ord = weekdayOrdinal(r.start);
  if (m[2] !== r.startDay || (index === 'last' ? !ord.last : ord.n !== Number(m[1]))) {
    return "DTSTART is not the rule's weekday";
  }
  return {
    type: yearly ? 'relativeYearly' : 'relativeMonthly',
    interval: r.interval,
    daysOfWeek: [DAYS[m[2]]!],
    index,
    ...(yearly ? { month } : {}),
  };
}

/** "The 15th" of each month (or of the rule's month). */
function absolutePattern(r: Rule, yearly: boolean, month: number): PatternOrReason {
  if (r.byMonthDay.length > 1) return 'a list of month days';
  const day = r.byMonthDay.length ? Number(r.byMonthDay[0]) : r.s.d;
  // Past the 28th RFC 5545 skips short months where Outlook moves to the last day: not the same.
  if (!(day >= 1 && day <= 28)) return `day ${r.byMonthDay[0] ?? r.s.d} of the month`;
  if (day !== r.s.d) return "DTSTART is not on the rule's day";
  return {
    type: yearly ? 'absoluteYearly' : 'absoluteMonthly',
    interval: r.interval,
    dayOfMonth: day,
    ...(yearly ? { month } : {}),
  };
}

function recurrenceRange(
  r: Rule,
  event: Pick<PimEvent, 'start' | 'isAllDay'>,
  zone: string,
): GraphRecurrenceRange | string {
  const range: GraphRecurrenceRange = { type: 'noEnd', startDate: r.start, recurrenceTimeZone: zone };
  if (r.p.has('COUNT')) {
    const count = Number(r.p.get('COUNT'));
    if (!Number.isInteger(count) || count < 1) return `COUNT=${r.p.get('COUNT')}`;
    range.type = 'numbered';
    range.numberOfOccurrences = count;
  } else if (r.p.has('UNTIL')) {
    let until: string;
    try {
      until = untilWallClock(r.p.get('UNTIL')!, event.start.timeZone);
    } catch {
      return `UNTIL=${r.p.get('UNTIL')}`;
    }
    // Graph's end date includes that whole day; UNTIL is an instant: a last day whose start is
    // after UNTIL's time of day does not count.
    const lastDay =
      event.isAllDay || timeOf(until) >= timeOf(event.start.dateTime) ? ymd(until) : addDays(ymd(until), -1);
    if (lastDay < r.start) return 'UNTIL before DTSTART';
    range.type = 'endDate';
    range.endDate = lastDay;
  }
  return range;
}

/** A rule RFC 5545 does not allow (e.g. an ordinal BYDAY in a DAILY rule): it has no instances to migrate. */
export class RecurrenceError extends Error {}

/**
 * RFC 5545 section 3.3.10's restrictions on which BY parts go with which FREQ. Checked before any
 * expansion: ical.js may never return from an iterator over a rule that breaks them.
 */
export function ruleProblem(rrule: string, isAllDay = false): string | undefined {
  const p = parseRrule(rrule);
  const freq = p.get('FREQ') ?? '';
  if (isAllDay && ['SECONDLY', 'MINUTELY', 'HOURLY'].includes(freq))
    return `an all-day event repeating ${freq}`;
  if (!['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq))
    return `FREQ=${freq || '(none)'}`;
  if (p.has('COUNT') && p.has('UNTIL')) return 'both COUNT and UNTIL';
  const byDay = p.get('BYDAY')?.split(',') ?? [];
  if (byDay.some((d) => !/^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.test(d))) return `BYDAY=${p.get('BYDAY')}`;
  const ordinal = byDay.some((d) => /\d/.test(d));
  if (ordinal && !(freq === 'MONTHLY' || (freq === 'YEARLY' && !p.has('BYWEEKNO'))))
    return `an ordinal BYDAY in a ${freq} rule`;
  if (p.has('BYMONTHDAY') && freq === 'WEEKLY') return 'BYMONTHDAY in a WEEKLY rule';
  if (p.has('BYYEARDAY') && ['DAILY', 'WEEKLY', 'MONTHLY'].includes(freq))
    return `BYYEARDAY in a ${freq} rule`;
  if (p.has('BYWEEKNO') && freq !== 'YEARLY') return `BYWEEKNO in a ${freq} rule`;
  // ical.js refuses an ordinal BYDAY together with BYMONTHDAY.
  if (ordinal && p.has('BYMONTHDAY')) return 'an ordinal BYDAY with BYMONTHDAY';
  const numbers = (k: string, lo: number, hi: number) =>
    (p.get(k)?.split(',') ?? []).every(
      (v) => /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) >= lo && Math.abs(Number(v)) <= hi,
    );
  if (
    !numbers('BYMONTHDAY', 1, 31) ||
    !numbers('BYMONTH', 1, 12) ||
    !numbers('BYHOUR', 0, 23) ||
    !numbers('BYMINUTE', 0, 59)
  ) {
    return 'a BY part out of range';
  }
  return undefined;
}

/** One occurrence of a series, in the series' wall clock. */
export interface Occurrence {
  originalStart: string;
}

function icalTime(dateTime: string, isDate: boolean) {
  return isDate
    ? ICAL.Time.fromDateString(ymd(dateTime))
    : ICAL.Time.fromDateTimeString(dateTime.slice(0, 19));
}

function wall(t: InstanceType<typeof ICAL.Time>, isDate: boolean): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  return isDate ? `${date}T00:00:00` : `${date}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

/**
 * The series' occurrence starts (RRULE + RDATE − EXDATE) in wall-clock time, in order, at most
 * `limit`; `more` says whether the rule goes on beyond. RFC 5545 rules live in local time, so the
 * expansion runs on floating times with UNTIL converted into the series' zone.
 */
export function expandOccurrences(
  event: Pick<PimEvent, 'rrule' | 'rdates' | 'exdates' | 'start' | 'isAllDay'>,
  limit: number,
  until?: string,
): { starts: string[]; more: boolean } {
  const isDate = event.isAllDay;
  const dtstart = icalTime(event.start.dateTime, isDate);
  const norm = (s: string) => (isDate ? `${ymd(s)}T00:00:00` : s.slice(0, 19));
  const excluded = new Set((event.exdates ?? []).map(norm));
  const found = new Set<string>();
  let more = false;
  if (event.rrule) {
    const problem = ruleProblem(event.rrule, event.isAllDay);
    if (problem) throw new RecurrenceError(problem);
    const p = parseRrule(event.rrule);
    let rule = event.rrule.replace(/^RRULE:/i, '');
    if (p.has('UNTIL')) {
      const u = untilWallClock(p.get('UNTIL')!, event.start.timeZone);
      const floating = isDate ? ymd(u).replace(/-/g, '') : u.replace(/[-:]/g, '');
      rule = rule.replace(/UNTIL=[^;]+/i, `UNTIL=${floating}`);
    }
    let it: ReturnType<InstanceType<typeof ICAL.Recur>['iterator']>;
    try {
      it = ICAL.Recur.fromString(rule).iterator(dtstart);
    } catch (e) {
      throw new RecurrenceError((e as Error).message);
    }
    // Excluded dates do not count toward the limit; a cap on iterations keeps a sparse rule bounded.
    for (let i = 0, next = it.next(); next; next = it.next(), i++) {
      const w = wall(next, isDate);
      if (until && w > until) break;
      if (!excluded.has(w)) {
        if (found.size >= limit) {
          more = true;
          break;
        }
        found.add(w);
      }
      if (i > limit * 20 + 1000) break;
    }
  } else found.add(norm(event.start.dateTime));
  for (const r of event.rdates ?? []) {
    const w = norm(r);
    if (!excluded.has(w) && (!until || w <= until)) found.add(w);
  }
  const starts = [...found].sort();
  if (starts.length > limit) {
    more = true;
    starts.length = limit;
  }
  return { starts, more };
}
