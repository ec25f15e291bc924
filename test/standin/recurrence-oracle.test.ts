import fc from 'fast-check';
import {
  expand,
  type PatternedRecurrence,
  type RecurrencePattern,
} from '../../testing/graph-standin/recurrence';

/**
 * The stand-in's expansion checked against a second, deliberately naive reading of the same rules:
 * walk every day of the window and ask whether the pattern takes it. Other helpers judge their
 * recurrence mapping by the stand-in's /instances, so its expansion must be right for any pattern.
 */

const DAY = 86_400_000;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEXES = ['first', 'second', 'third', 'fourth', 'last'];

const civil = (d: number) => {
  const x = new Date(d * DAY);
  return { y: x.getUTCFullYear(), m: x.getUTCMonth() + 1, day: x.getUTCDate(), dow: x.getUTCDay() };
};
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;

/** Whether day `d` is the index-th day of its month among the days whose weekday is in `dows`. */
function isRelative(d: number, dows: Set<number>, index: string): boolean {
  const c = civil(d);
  if (!dows.has(c.dow)) return false;
  if (index === 'last') {
    for (let later = d + 1; civil(later).m === c.m; later++) if (dows.has(civil(later).dow)) return false;
    return true;
  }
  let before = 0;
  for (let earlier = d - c.day + 1; earlier < d; earlier++) if (dows.has(civil(earlier).dow)) before++;
  return before === INDEXES.indexOf(index);
}

function takes(p: RecurrencePattern, d: number, start: number): boolean {
  const c = civil(d);
  const s = civil(start);
  const dows = new Set((p.daysOfWeek ?? []).map((x) => DAYS.indexOf(x)));
  const months = c.y * 12 + c.m - (s.y * 12 + s.m);
  switch (p.type) {
    case 'daily':
      return (d - start) % p.interval === 0;
    case 'weekly': {
      const fdw = DAYS.indexOf(p.firstDayOfWeek ?? 'sunday');
      const weekOf = (x: number) => x - ((civil(x).dow - fdw + 7) % 7);
      return dows.has(c.dow) && ((weekOf(d) - weekOf(start)) / 7) % p.interval === 0;
    }
    case 'absoluteMonthly':
      return months % p.interval === 0 && c.day === Math.min(p.dayOfMonth!, daysInMonth(c.y, c.m));
    case 'relativeMonthly':
      return months % p.interval === 0 && isRelative(d, dows, p.index ?? 'first');
    case 'absoluteYearly':
      return (
        (c.y - s.y) % p.interval === 0 &&
        c.m === p.month &&
        c.day === Math.min(p.dayOfMonth!, daysInMonth(c.y, c.m))
      );
    case 'relativeYearly':
      return (c.y - s.y) % p.interval === 0 && c.m === p.month && isRelative(d, dows, p.index ?? 'first');
  }
}

function oracle(r: PatternedRecurrence, horizon: number): number[] {
  const start = dayNumber(r.range.startDate);
  const end = r.range.type === 'endDate' ? dayNumber(r.range.endDate!) : Infinity;
  const count = r.range.type === 'numbered' ? r.range.numberOfOccurrences! : Infinity;
  const out: number[] = [];
  for (let d = start; d <= start + horizon && d <= end && out.length < count; d++)
    if (takes(r.pattern, d, start)) out.push(d);
  return out;
}

const isoDate = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);

const recurrenceArb = fc
  .record({
    type: fc.constantFrom(
      'daily',
      'weekly',
      'absoluteMonthly',
      'relativeMonthly',
      'absoluteYearly',
      'relativeYearly',
    ) as fc.Arbitrary<RecurrencePattern['type']>,
    interval: fc.integer({ min: 1, max: 4 }),
    daysOfWeek: fc.subarray(DAYS, { minLength: 1 }),
    dayOfMonth: fc.integer({ min: 1, max: 31 }),
    month: fc.integer({ min: 1, max: 12 }),
    index: fc.constantFrom(...INDEXES),
    firstDayOfWeek: fc.constantFrom(...DAYS),
    start: fc.integer({ min: dayNumber('2024-01-01'), max: dayNumber('2027-12-31') }),
    rangeType: fc.constantFrom('endDate', 'noEnd', 'numbered') as fc.Arbitrary<
      'endDate' | 'noEnd' | 'numbered'
    >,
    length: fc.integer({ min: 0, max: 900 }),
    count: fc.integer({ min: 1, max: 60 }),
  })
  .map((g): PatternedRecurrence => ({
    pattern: {
      type: g.type,
      interval: g.interval,
      daysOfWeek: g.daysOfWeek,
      dayOfMonth: g.dayOfMonth,
      month: g.month,
      index: g.index,
      firstDayOfWeek: g.firstDayOfWeek,
    },
    range: {
      type: g.rangeType,
      startDate: isoDate(g.start),
      ...(g.rangeType === 'endDate' ? { endDate: isoDate(g.start + g.length) } : {}),
      ...(g.rangeType === 'numbered' ? { numberOfOccurrences: g.count } : {}),
    },
  }));

describe('recurrence expansion against a day-by-day reading of the rules', () => {
  it('yields the same days for any pattern over two years', () => {
    const horizon = 730;
    fc.assert(
      fc.property(recurrenceArb, (r) => {
        const start = dayNumber(r.range.startDate);
        const nine = { year: 2000, month: 1, day: 1, hour: 9, minute: 0, second: 0 };
        const got = expand(r, nine, 'Etc/UTC', 30 * 60_000, start * DAY, (start + horizon + 1) * DAY).map(
          (o) => Math.floor(o.start / DAY),
        );
        expect(got.map(isoDate)).toEqual(oracle(r, horizon).map(isoDate));
      }),
      { numRuns: 200, seed: 20260501 },
    );
  });
});
