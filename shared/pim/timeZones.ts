import { WINDOWS_ZONES } from './windowsZones';

/**
 * Time zone names as Graph wants them. Graph's dateTimeTimeZone takes Windows names (and only a
 * listed set of IANA names), so every IANA name is mapped through the CLDR table; Windows names
 * (Exchange sources) pass through. Names ICU knows under another spelling (Europe/Kyiv ↔
 * Europe/Kiev) resolve through Intl's canonical name.
 */
const WINDOWS_NAMES = new Set(Object.values(WINDOWS_ZONES));
/** Windows name → its CLDR "001" IANA zone (the first listed), for wall-clock arithmetic. */
const IANA_OF_WINDOWS = new Map<string, string>();
for (const [iana, win] of Object.entries(WINDOWS_ZONES)) {
  if (!IANA_OF_WINDOWS.has(win) && !iana.startsWith('Etc/')) IANA_OF_WINDOWS.set(win, iana);
}
for (const [iana, win] of Object.entries(WINDOWS_ZONES))
  if (!IANA_OF_WINDOWS.has(win)) IANA_OF_WINDOWS.set(win, iana);

function canonicalIana(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * A zone name from a source (an IANA name, possibly with a vendor prefix such as
 * `/mozilla.org/20050126_1/Europe/Berlin`, a Windows name, or UTC) as an IANA name, or undefined.
 */
export function ianaZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt)$/i.test(trimmed)) return 'UTC';
  if (WINDOWS_NAMES.has(trimmed)) return IANA_OF_WINDOWS.get(trimmed);
  const direct = canonicalIana(trimmed);
  if (direct) return direct;
  // Vendor-prefixed TZIDs end with the IANA name: try the last two and three path segments.
  const parts = trimmed.split('/').filter(Boolean);
  for (const n of [3, 2]) {
    if (parts.length > n) {
      const found = canonicalIana(parts.slice(-n).join('/'));
      if (found) return found;
    }
  }
  return undefined;
}

/** The Windows name Graph prefers for a zone, or undefined when the zone is unknown. */
export function windowsZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (WINDOWS_NAMES.has(trimmed)) return trimmed;
  const iana = ianaZone(trimmed);
  if (!iana) return undefined;
  if (iana === 'UTC') return 'UTC';
  return WINDOWS_ZONES[iana] ?? WINDOWS_ZONES[canonicalIana(iana) ?? ''] ?? aliasOf(iana);
}

/** ICU's canonical names and CLDR's can differ (Asia/Kolkata vs Asia/Calcutta): compare by offsets' name. */
function aliasOf(iana: string): string | undefined {
  for (const candidate of Object.keys(WINDOWS_ZONES)) {
    if (canonicalIana(candidate) === iana) return WINDOWS_ZONES[candidate];
  }
  return undefined;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Offset of `zone` from UTC at the UTC instant `ms`, in minutes. */
function offsetAt(zone: string, ms: number): number {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return Math.round((asUtc - ms) / 60_000);
}

/** A wall-clock time (`YYYY-MM-DDTHH:mm:ss`) in a zone (any name `ianaZone` knows) as a UTC instant. */
export function wallClockToUtc(dateTime: string, zone: string): Date {
  const iana = ianaZone(zone) ?? 'UTC';
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(dateTime);
  if (!m) throw new Error(`not a date-time: ${dateTime}`);
  const naive = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  if (iana === 'UTC') return new Date(naive);
  // Two rounds settle the offset on either side of a DST change.
  let guess = naive - offsetAt(iana, naive) * 60_000;
  guess = naive - offsetAt(iana, guess) * 60_000;
  return new Date(guess);
}

/** A UTC instant as wall-clock `YYYY-MM-DDTHH:mm:ss` in a zone. */
export function utcToWallClock(instant: Date, zone: string): string {
  const iana = ianaZone(zone) ?? 'UTC';
  const ms = instant.getTime() + (iana === 'UTC' ? 0 : offsetAt(iana, instant.getTime()) * 60_000);
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
