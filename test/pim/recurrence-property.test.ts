import fc from 'fast-check';
import { expandOccurrences, RecurrenceError, toGraphRecurrence } from '../../shared/pim/recurrence';
import { ianaZone } from '../../shared/pim/timeZones';
import { expand } from '../../testing/graph-standin/recurrence';
import { resolveZone, utcToLocal } from '../../testing/graph-standin/timezones';

/**
 * For generated iCalendar rules: either the Graph pattern we write yields, as the stand-in lays out
 * a series the way Exchange does, exactly the instances the rule has (ical.js expansion) in a
 * two-year window, or the series is answered as "expand" with a reason.
 */
const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Tokyo'];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const pad = (n: number) => String(n).padStart(2, '0');

const ruleArb = fc.record({
  freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'HOURLY'),
  interval: fc.integer({ min: 1, max: 3 }),
  days: fc.uniqueArray(fc.constantFrom(...DAYS), { minLength: 0, maxLength: 3 }),
  ordinal: fc.constantFrom(0, 1, 2, 3, 4, -1),
  monthDay: fc.option(fc.integer({ min: 1, max: 31 })),
  month: fc.option(fc.integer({ min: 1, max: 12 })),
  end: fc.constantFrom('count', 'until', 'none'),
  count: fc.integer({ min: 1, max: 40 }),
  untilDays: fc.integer({ min: 0, max: 400 }),
  untilHour: fc.integer({ min: 0, max: 23 }),
  wkst: fc.constantFrom('MO', 'SU'),
  setpos: fc.boolean(),
  /** Most real rules agree with their DTSTART (its weekday, day, month): bias toward those. */
  aligned: fc.boolean(),
});
type Rule = typeof ruleArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Aligned rules have the shapes people make (and Graph can say): a daily rule, weekdays that
 * include DTSTART's, DTSTART's day or nth weekday of the month (and its month for yearly rules).
 * Unaligned ones combine parts at random and mostly have to be expanded.
 */
function ruleText(r: Rule, day: string, allDay: boolean): string {
  const d = new Date(`${day}T00:00:00Z`);
  const code = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][d.getUTCDay()]!;
  const dom = d.getUTCDate();
  const last = dom + 7 > new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  const nth = r.ordinal === -1 && last ? -1 : Math.ceil(dom / 7);
  const parts = [`FREQ=${r.freq}`];
  if (r.interval > 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.aligned) {
    if (r.freq === 'WEEKLY' || (r.freq === 'DAILY' && r.days.length && r.interval === 1)) {
      parts.push(`BYDAY=${[...new Set([code, ...r.days])].join(',')}`);
    } else if (r.freq === 'MONTHLY' || r.freq === 'YEARLY') {
      if (r.freq === 'YEARLY') parts.push(`BYMONTH=${d.getUTCMonth() + 1}`);
      parts.push(r.ordinal ? `BYDAY=${nth}${code}` : `BYMONTHDAY=${dom}`);
    }
  } else {
    if (r.days.length)
      parts.push(`BYDAY=${r.ordinal && r.days.length === 1 ? `${r.ordinal}${r.days[0]}` : r.days.join(',')}`);
    if (r.monthDay !== null && r.freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${r.monthDay}`);
    if (r.month !== null && r.freq === 'YEARLY') parts.push(`BYMONTH=${r.month}`);
    if (r.setpos && r.days.length > 1 && r.freq === 'MONTHLY') parts.push('BYSETPOS=1');
  }
  parts.push(`WKST=${r.wkst}`);
  if (r.end === 'count') parts.push(`COUNT=${r.count}`);
  if (r.end === 'until') {
    const u = new Date(d.getTime() + r.untilDays * 86_400_000);
    const ud = u.toISOString().slice(0, 10).replace(/-/g, '');
    parts.push(allDay ? `UNTIL=${ud}` : `UNTIL=${ud}T${pad(r.untilHour)}0000Z`);
  }
  return parts.join(';');
}

const startArb = fc.record({
  date: fc.date({
    min: new Date('2024-01-01T00:00:00Z'),
    max: new Date('2026-12-31T00:00:00Z'),
    noInvalidDate: true,
  }),
  hour: fc.integer({ min: 8, max: 20 }),
  minutes: fc.constantFrom(0, 30),
  zone: fc.constantFrom(...ZONES),
  allDay: fc.boolean(),
});

test("Graph patterns yield the rule's instances over two years, or the series is expanded", () => {
  let mapped = 0;
  let expanded = 0;
  fc.assert(
    fc.property(ruleArb, startArb, (rule, s) => {
      const day = s.date.toISOString().slice(0, 10);
      const startWall = s.allDay ? `${day}T00:00:00` : `${day}T${pad(s.hour)}:${pad(s.minutes)}:00`;
      const event = {
        rrule: ruleText(rule, day, s.allDay),
        start: { dateTime: startWall, timeZone: s.zone },
        isAllDay: s.allDay,
      };
      const mapping = toGraphRecurrence(event);
      const windowEndWall = `${String(Number(day.slice(0, 4)) + 2)}${day.slice(4)}T00:00:00`;
      if (!mapping.ok) {
        expanded++;
        expect(mapping.reason.length).toBeGreaterThan(3);
        // Expanding it ends (a rule RFC 5545 forbids is refused with the reason, never a hang).
        try {
          expect(expandOccurrences(event, 5000, windowEndWall).starts.length).toBeLessThanOrEqual(5000);
        } catch (e) {
          expect(e).toBeInstanceOf(RecurrenceError);
        }
        return;
      }
      const source = expandOccurrences(event, 5000, windowEndWall);
      mapped++;
      const zone = resolveZone(mapping.recurrence.range.recurrenceTimeZone)!;
      expect(zone).toBeTruthy();
      const iana = ianaZone(s.zone)!;
      const [h, mi] = [Number(startWall.slice(11, 13)), Number(startWall.slice(14, 16))];
      const from = Date.parse(`${day}T00:00:00Z`) - 2 * 86_400_000;
      const to = Date.parse(`${windowEndWall.slice(0, 10)}T00:00:00Z`) + 2 * 86_400_000;
      const graph = expand(
        mapping.recurrence as Parameters<typeof expand>[0],
        { year: 0, month: 1, day: 1, hour: h, minute: mi, second: 0 },
        zone,
        60_000,
        from,
        to,
      )
        .map((o) => {
          const l = utcToLocal(o.start, iana);
          return `${l.year}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:00`;
        })
        .filter((w) => w < windowEndWall);
      // The same instances, in the same order, up to the end of the two-year window.
      expect(graph).toEqual(source.starts.filter((w) => w < windowEndWall));
    }),
    { numRuns: Number(process.env.RUNS ?? 400), seed: 20250310 },
  );
  // The generator reaches both outcomes often, or the property would prove little.
  expect(mapped).toBeGreaterThan(100);
  expect(expanded).toBeGreaterThan(60);
});

describe('rules Graph cannot express are answered with the reason', () => {
  const start = { dateTime: '2025-03-03T09:00:00', timeZone: 'Europe/Berlin' };
  it.each([
    ['FREQ=HOURLY;COUNT=3', /HOURLY/],
    ['FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1', /BYSETPOS/],
    ['FREQ=YEARLY;BYMONTH=3,6', /months/],
    ['FREQ=MONTHLY;BYMONTHDAY=31', /day 31/],
    ['FREQ=WEEKLY;BYDAY=TU', /DTSTART/],
    ['FREQ=DAILY;BYHOUR=9,17', /BYHOUR/],
  ])('%s', (rrule, reason) => {
    const m = toGraphRecurrence({ rrule, start, isAllDay: false });
    expect(m.ok).toBe(false);
    expect(!m.ok && m.reason).toMatch(reason);
  });
  it('RDATE makes any rule an expansion', () => {
    expect(
      toGraphRecurrence({ rrule: 'FREQ=DAILY', rdates: ['2025-03-10T09:00:00'], start, isAllDay: false }).ok,
    ).toBe(false);
  });
  it('a ten-thousand-instance rule expands to the cap and says there is more', () => {
    const r = expandOccurrences({ rrule: 'FREQ=DAILY;BYHOUR=9,17;COUNT=10000', start, isAllDay: false }, 500);
    expect(r.starts).toHaveLength(500);
    expect(r.more).toBe(true);
  });
});
