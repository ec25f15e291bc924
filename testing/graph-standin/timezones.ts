/**
 * Time zones as Microsoft Graph takes them in `dateTimeTimeZone.timeZone` and
 * `recurrenceRange.recurrenceTimeZone`: Windows zone names (what Exchange stores) and IANA names.
 * A small Windows → IANA table (from the CLDR windowsZones mapping, territory "001") lets the
 * stand-in compute wall-clock times with Intl; an unknown name is refused as Graph refuses it.
 */

const WINDOWS_TO_IANA: Record<string, string> = {
  'Dateline Standard Time': 'Etc/GMT+12',
  'UTC-11': 'Etc/GMT+11',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time': 'America/Denver',
  'Central America Standard Time': 'America/Guatemala',
  'Central Standard Time': 'America/Chicago',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Canada Central Standard Time': 'America/Regina',
  'SA Pacific Standard Time': 'America/Bogota',
  'Eastern Standard Time': 'America/New_York',
  'US Eastern Standard Time': 'America/Indianapolis',
  'Atlantic Standard Time': 'America/Halifax',
  'Newfoundland Standard Time': 'America/St_Johns',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires',
  'Pacific SA Standard Time': 'America/Santiago',
  'Greenland Standard Time': 'America/Godthab',
  'UTC-02': 'Etc/GMT+2',
  'Azores Standard Time': 'Atlantic/Azores',
  'Cape Verde Standard Time': 'Atlantic/Cape_Verde',
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'Morocco Standard Time': 'Africa/Casablanca',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'GTB Standard Time': 'Europe/Bucharest',
  'Middle East Standard Time': 'Asia/Beirut',
  'Egypt Standard Time': 'Africa/Cairo',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'FLE Standard Time': 'Europe/Kiev',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arab Standard Time': 'Asia/Riyadh',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Afghanistan Standard Time': 'Asia/Kabul',
  'Pakistan Standard Time': 'Asia/Karachi',
  'India Standard Time': 'Asia/Calcutta',
  'Sri Lanka Standard Time': 'Asia/Colombo',
  'Nepal Standard Time': 'Asia/Katmandu',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'Myanmar Standard Time': 'Asia/Rangoon',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Taipei Standard Time': 'Asia/Taipei',
  'W. Australia Standard Time': 'Australia/Perth',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'Tasmania Standard Time': 'Australia/Hobart',
  'West Pacific Standard Time': 'Pacific/Port_Moresby',
  'Central Pacific Standard Time': 'Pacific/Guadalcanal',
  'New Zealand Standard Time': 'Pacific/Auckland',
  'UTC+12': 'Etc/GMT-12',
  'Tonga Standard Time': 'Pacific/Tongatapu',
};

const WINDOWS_BY_LOWER = new Map(Object.entries(WINDOWS_TO_IANA).map(([w, i]) => [w.toLowerCase(), i]));

function ianaKnown(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The IANA zone a Graph time-zone name stands for, or null when Graph would refuse the name. */
export function resolveZone(name: string): string | null {
  if (typeof name !== 'string' || name.trim() === '') return null;
  const windows = WINDOWS_BY_LOWER.get(name.trim().toLowerCase());
  if (windows) return windows;
  // IANA names need a region part (Europe/Paris); a bare abbreviation like "CET" is not one Graph lists.
  if (!name.includes('/') && name !== 'UTC' && name !== 'GMT') return null;
  return ianaKnown(name);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(zone: string, ms: number): number[] {
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
  const get = (type: string) => Number(f!.formatToParts(new Date(ms)).find((p) => p.type === type)!.value);
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

function offsetMs(zone: string, ms: number): number {
  const [y, mo, d, h, mi, s] = parts(zone, ms);
  const floor = ms - (((ms % 1000) + 1000) % 1000);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) - floor;
}

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** `2026-03-01T09:30:00` (optionally `.0000000`), as Graph's dateTimeTimeZone.dateTime is written. */
export function parseLocal(text: string): LocalDateTime | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,7})?)?)?$/.exec(text);
  if (!m) return null;
  const v = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
  };
  const check = new Date(Date.UTC(v.year, v.month - 1, v.day, v.hour, v.minute, v.second));
  if (check.getUTCDate() !== v.day || check.getUTCMonth() !== v.month - 1 || v.hour > 23 || v.minute > 59)
    return null;
  return v;
}

/**
 * The instant a wall-clock time in `zone` names. A time skipped by a DST change reads as the time
 * after the change; a repeated one as standard time (the later instant), as Windows converts them.
 */
export function localToUtc(local: LocalDateTime, zone: string): number {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const first = asUtc - offsetMs(zone, asUtc);
  const second = asUtc - offsetMs(zone, first);
  return offsetMs(zone, second) === offsetMs(zone, first) ? Math.min(first, second) : second;
}

export function utcToLocal(ms: number, zone: string): LocalDateTime {
  const [year, month, day, hour, minute, second] = parts(zone, ms);
  return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Graph writes dateTimeTimeZone.dateTime with seven fractional digits. */
export function formatLocal(l: LocalDateTime): string {
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:${pad(l.second)}.0000000`;
}
