import { attr, child, text, type XNode } from './soap';

/**
 * Exchange 2007's MeetingTimeZone (a bias plus yearly Standard/Daylight transition rules, no zone
 * name that means anything outside Windows) resolved to a real IANA zone: the bias and the rules are
 * matched against a table of common zones (today's rules; items carrying the pre-2007 US rules are
 * matched too, because Exchange's DST update rebased them onto the new rules). A zone without
 * daylight saving time resolves to its fixed-offset IANA zone (Etc/GMT+5 is exactly UTC−5). When
 * several zones share the rules, a city in the zone's display name (e.g. "Paris") picks one (the
 * city Windows' own zone for that display name is named after wins, e.g. London over Lisbon).
 */

export interface TransitionRule {
  month: number;
  /** 1..4, or -1 for Last. */
  week: number;
  /** 0 = Sunday. */
  day: number;
}

export interface MeetingTimeZone {
  name: string;
  /** Minutes to add to local standard time to get UTC (EWS BaseOffset: Berlin −60, New York 300). */
  bias: number;
  daylight?: { delta: number; start: TransitionRule; end: TransitionRule };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
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
const WEEK_INDEX: Record<string, number> = { First: 1, Second: 2, Third: 3, Fourth: 4, Last: -1 };

/** xs:duration as EWS writes offsets (`-PT1H`, `PT5H30M`, `P0DT0H0M0S`) → minutes. */
export function durationMinutes(s: string): number | undefined {
  const m = /^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s.trim());
  if (!m) return undefined;
  const minutes =
    Number(m[2] ?? 0) * 1440 +
    Number(m[3] ?? 0) * 60 +
    Number(m[4] ?? 0) +
    Math.round(Number(m[5] ?? 0) / 60);
  return m[1] ? -minutes : minutes;
}

function rule(node: XNode | undefined): TransitionRule | undefined {
  const r = child(node, 'RelativeYearlyRecurrence');
  if (!r) return undefined;
  const month = MONTHS.indexOf(text(r, 'Month') ?? '') + 1;
  const week = WEEK_INDEX[text(r, 'DayOfWeekIndex') ?? ''];
  const day = DAYS.indexOf(text(r, 'DaysOfWeek') ?? '');
  if (month < 1 || week === undefined || day < 0) return undefined;
  return { month, week, day };
}

/** Reads a MeetingTimeZone element; undefined when it is absent or unreadable. */
export function readMeetingTimeZone(node: XNode | undefined): MeetingTimeZone | 'unreadable' | undefined {
  if (!node) return undefined;
  const bias = durationMinutes(text(node, 'BaseOffset') ?? '');
  if (bias === undefined) return 'unreadable';
  const standard = child(node, 'Standard');
  const daylight = child(node, 'Daylight');
  const name = attr(node, 'TimeZoneName') ?? '';
  if (!standard || !daylight) return { name, bias };
  const so = durationMinutes(text(standard, 'Offset') ?? 'PT0M') ?? 0;
  const dlo = durationMinutes(text(daylight, 'Offset') ?? 'PT0M') ?? 0;
  if (so === dlo) return { name, bias: bias + so };
  const start = rule(daylight);
  const end = rule(standard);
  if (!start || !end) return 'unreadable';
  return { name, bias: bias + so, daylight: { delta: dlo - so, start, end } };
}

type RuleSet = 'EU' | 'US' | 'US_OLD' | 'AU' | 'AU_OLD' | 'NZ';
const RULES: Record<RuleSet, { start: TransitionRule; end: TransitionRule }> = {
  EU: { start: { month: 3, week: -1, day: 0 }, end: { month: 10, week: -1, day: 0 } },
  US: { start: { month: 3, week: 2, day: 0 }, end: { month: 11, week: 1, day: 0 } },
  US_OLD: { start: { month: 4, week: 1, day: 0 }, end: { month: 10, week: -1, day: 0 } },
  AU: { start: { month: 10, week: 1, day: 0 }, end: { month: 4, week: 1, day: 0 } },
  AU_OLD: { start: { month: 10, week: -1, day: 0 }, end: { month: 3, week: -1, day: 0 } },
  NZ: { start: { month: 9, week: -1, day: 0 }, end: { month: 4, week: 1, day: 0 } },
};

/** Zones with daylight saving time: bias, rules, the zone, and display-name words for look-alikes. */
const DST_ZONES: Array<{ bias: number; rules: RuleSet[]; zone: string; hints?: Array<[RegExp, string]> }> = [
  {
    bias: 0,
    rules: ['EU'],
    zone: 'Europe/London',
    hints: [
      [/London/i, 'Europe/London'],
      [/Lisbon/i, 'Europe/Lisbon'],
      [/Dublin/i, 'Europe/Dublin'],
    ],
  },
  {
    bias: -60,
    rules: ['EU'],
    zone: 'Europe/Berlin',
    hints: [
      [/Brussels|Copenhagen|Madrid|Paris|Romance/i, 'Europe/Paris'],
      [/Belgrade|Bratislava|Budapest|Ljubljana|Prague/i, 'Europe/Budapest'],
      [/Sarajevo|Skopje|Warsaw|Zagreb/i, 'Europe/Warsaw'],
    ],
  },
  {
    bias: -120,
    rules: ['EU'],
    zone: 'Europe/Helsinki',
    hints: [
      [/Athens/i, 'Europe/Athens'],
      [/Bucharest/i, 'Europe/Bucharest'],
    ],
  },
  { bias: 210, rules: ['US', 'US_OLD'], zone: 'America/St_Johns' },
  { bias: 240, rules: ['US', 'US_OLD'], zone: 'America/Halifax' },
  { bias: 300, rules: ['US', 'US_OLD'], zone: 'America/New_York' },
  { bias: 360, rules: ['US', 'US_OLD'], zone: 'America/Chicago' },
  { bias: 420, rules: ['US', 'US_OLD'], zone: 'America/Denver' },
  { bias: 480, rules: ['US', 'US_OLD'], zone: 'America/Los_Angeles' },
  { bias: 540, rules: ['US', 'US_OLD'], zone: 'America/Anchorage' },
  { bias: -570, rules: ['AU', 'AU_OLD'], zone: 'Australia/Adelaide' },
  {
    bias: -600,
    rules: ['AU', 'AU_OLD'],
    zone: 'Australia/Sydney',
    hints: [
      [/Sydney/i, 'Australia/Sydney'],
      [/Hobart/i, 'Australia/Hobart'],
      [/Melbourne/i, 'Australia/Melbourne'],
    ],
  },
  { bias: -720, rules: ['NZ'], zone: 'Pacific/Auckland' },
];

/** Zones without daylight saving time whose offset is not whole hours, and named ones. */
const FIXED_ZONES: Array<{ bias: number; zone?: string; hints?: Array<[RegExp, string]> }> = [
  { bias: -330, zone: 'Asia/Kolkata' },
  { bias: -345, zone: 'Asia/Kathmandu' },
  { bias: -270, zone: 'Asia/Kabul' },
  { bias: -390, zone: 'Asia/Yangon' },
  { bias: -570, zone: 'Australia/Darwin' },
  { bias: -180, hints: [[/Moscow|St\. Petersburg/i, 'Europe/Moscow']] },
  { bias: -240, hints: [[/Abu Dhabi|Muscat/i, 'Asia/Dubai']] },
  {
    bias: -480,
    hints: [
      [/Beijing|Chongqing|Hong Kong|Urumqi/i, 'Asia/Shanghai'],
      [/Singapore|Kuala Lumpur/i, 'Asia/Singapore'],
      [/Perth/i, 'Australia/Perth'],
      [/Taipei/i, 'Asia/Taipei'],
    ],
  },
  {
    bias: -540,
    hints: [
      [/Osaka|Sapporo|Tokyo/i, 'Asia/Tokyo'],
      [/Seoul/i, 'Asia/Seoul'],
    ],
  },
  { bias: 420, hints: [[/Arizona/i, 'America/Phoenix']] },
  { bias: 600, hints: [[/Hawaii/i, 'Pacific/Honolulu']] },
];

const sameRule = (a: TransitionRule, b: TransitionRule) =>
  a.month === b.month && a.week === b.week && a.day === b.day;

function byHint(name: string, hints: Array<[RegExp, string]> | undefined): string | undefined {
  return hints?.find(([re]) => re.test(name))?.[1];
}

/** The IANA zone that keeps this MeetingTimeZone's offsets and transitions, or undefined. */
export function resolveTimeZone(tz: MeetingTimeZone): string | undefined {
  if (!tz.daylight) {
    const fixed = FIXED_ZONES.find((z) => z.bias === tz.bias);
    const named = byHint(tz.name, fixed?.hints) ?? fixed?.zone;
    if (named) return named;
    if (tz.bias === 0) return 'UTC';
    if (tz.bias % 60 !== 0 || Math.abs(tz.bias) > 14 * 60) return undefined;
    // POSIX sign: Etc/GMT+5 is five hours behind UTC, which is a bias of +300.
    return `Etc/GMT${tz.bias > 0 ? '+' : '-'}${Math.abs(tz.bias) / 60}`;
  }
  const { delta, start, end } = tz.daylight;
  if (delta !== -60) return undefined;
  const match = DST_ZONES.find(
    (z) =>
      z.bias === tz.bias &&
      z.rules.some((r) => sameRule(RULES[r].start, start) && sameRule(RULES[r].end, end)),
  );
  return match ? (byHint(tz.name, match.hints) ?? match.zone) : undefined;
}

/** A readable description for messages: the display name and the rule. */
export function describeTimeZone(tz: MeetingTimeZone | 'unreadable'): string {
  if (tz === 'unreadable') return 'an unreadable MeetingTimeZone';
  const utc = -tz.bias;
  const offset = `UTC${utc >= 0 ? '+' : '-'}${String(Math.floor(Math.abs(utc) / 60)).padStart(2, '0')}:${String(Math.abs(utc) % 60).padStart(2, '0')}`;
  const rules = tz.daylight
    ? `, daylight time from ${describeRule(tz.daylight.start)} to ${describeRule(tz.daylight.end)}`
    : ', no daylight time';
  return `"${tz.name || 'unnamed'}" (${offset}${rules})`;
}

function describeRule(r: TransitionRule): string {
  const week = r.week === -1 ? 'last' : ['first', 'second', 'third', 'fourth'][r.week - 1];
  return `the ${week} ${DAYS[r.day]} of ${MONTHS[r.month - 1]}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** An instant as wall-clock time in `zone`: `YYYY-MM-DDTHH:mm:ss`. */
export function wallClock(instant: Date, zone: string): string {
  const p: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(instant)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** Wall-clock time in `zone` → the instant (the earlier one when the clock repeats). */
export function zonedInstant(wall: string, zone: string): Date {
  const asUtc = Date.parse(`${wall}Z`);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = Date.parse(`${wallClock(new Date(guess), zone)}Z`);
    const next = guess + (asUtc - seen);
    if (next === guess) break;
    guess = next;
  }
  return new Date(guess);
}
