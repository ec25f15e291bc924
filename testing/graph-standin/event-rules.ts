/**
 * What Graph checks on an event and how a series lays out (Graph v1.0 event, dateTimeTimeZone,
 * patternedRecurrence, List instances, List calendarView): start and end in a zone Graph knows, end
 * not before start, an all-day event from midnight to midnight, a complete recurrence; the
 * occurrences of a series in a window, with edited ones moved and deleted ones gone; the
 * `startDateTime`/`endDateTime` window both views require; times answered in UTC unless
 * `Prefer: outlook.timezone="..."` names a zone.
 */
import { graphError, isReply, type GraphReply, type GraphRequest } from './http';
import type { StandinEvent, StandinPim } from './pim-state';
import { expand, recurrenceProblem, type PatternedRecurrence } from './recurrence';
import type { StandinUser } from './state';
import { localToUtc, parseLocal, resolveZone, utcToLocal } from './timezones';

export const EVENT_ID = /^evt-[0-9a-f-]{36}$/;
export const OCCURRENCE_ID = /^(evt-[0-9a-f-]{36})_(\d{8}T\d{6}Z)$/;
export const CALENDAR_ID = /^cal-[0-9a-f-]{36}$/;

export interface CalendarCtx {
  user: StandinUser;
  pim: StandinPim;
}

/** `20260105T080000Z`: an occurrence's original start, as part of its id. */
export function occurrenceKey(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function keyToMs(key: string): number {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(key)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

export interface Times {
  start: number;
  end: number;
}

/** Reads a dateTimeTimeZone; returns the instant or the error Graph answers. */
function instant(v: unknown, name: string): number | GraphReply {
  const dt = v as { dateTime?: unknown; timeZone?: unknown } | undefined;
  if (!dt || typeof dt.dateTime !== 'string')
    return graphError(400, 'ErrorInvalidRequest', `The ${name} of the event is missing or has no dateTime.`);
  const zoneName = typeof dt.timeZone === 'string' ? dt.timeZone : 'UTC';
  const zone = resolveZone(zoneName);
  if (!zone)
    return graphError(
      400,
      'TimeZoneNotSupportedException',
      `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zoneName}'.`,
    );
  const local = parseLocal(dt.dateTime.replace(/Z$/, ''));
  if (!local)
    return graphError(
      400,
      'RequestBodyRead',
      `Cannot convert the literal '${dt.dateTime}' to a date and time.`,
    );
  return localToUtc(local, zone);
}

export function times(fields: Record<string, unknown>): Times | GraphReply {
  const start = instant(fields.start, 'start');
  if (isReply(start)) return start;
  const end = instant(fields.end, 'end');
  if (isReply(end)) return end;
  if (end < start)
    return graphError(400, 'ErrorInvalidRequest', 'The end time of the event is before its start time.');
  return { start, end };
}

function zoneOf(v: unknown): string {
  const name = (v as { timeZone?: string } | undefined)?.timeZone ?? 'UTC';
  return resolveZone(name) ?? 'Etc/UTC';
}

/** Checks what Graph checks on an event's combined fields: times, all-day midnights, recurrence. */
export function eventProblem(fields: Record<string, unknown>): GraphReply | null {
  const t = times(fields);
  if (isReply(t)) return t;
  if (fields.isAllDay === true) {
    const s = parseLocal(String((fields.start as { dateTime: string }).dateTime).replace(/Z$/, ''))!;
    const e = parseLocal(String((fields.end as { dateTime: string }).dateTime).replace(/Z$/, ''))!;
    const midnight = (l: typeof s) => l.hour === 0 && l.minute === 0 && l.second === 0;
    if (!midnight(s) || !midnight(e) || t.end === t.start)
      return graphError(
        400,
        'ErrorInvalidRequest',
        'An all-day event must start and end at midnight and last at least one day.',
      );
  }
  const r = fields.recurrence as PatternedRecurrence | null | undefined;
  if (r) {
    if (r.range?.recurrenceTimeZone !== undefined && !resolveZone(r.range.recurrenceTimeZone))
      return graphError(
        400,
        'TimeZoneNotSupportedException',
        `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${r.range.recurrenceTimeZone}'.`,
      );
    const problem = recurrenceProblem(r);
    if (problem) return graphError(400, 'ErrorPropertyValidationFailure', problem);
  }
  return null;
}

/** `Prefer: outlook.timezone="Pacific Standard Time"` → the name and the zone to render times in. */
export function outputZone(req: GraphRequest): { name: string; zone: string } {
  const m = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(req.headers['prefer'] ?? '');
  const zone = m ? resolveZone(m[1]!) : null;
  return m && zone ? { name: m[1]!, zone } : { name: 'UTC', zone: 'Etc/UTC' };
}

export function attendeeAddresses(fields: Record<string, unknown>): string[] {
  const list = Array.isArray(fields.attendees) ? (fields.attendees as Array<Record<string, unknown>>) : [];
  return list
    .map((a) => (a.emailAddress as { address?: unknown } | undefined)?.address)
    .filter((a): a is string => typeof a === 'string' && a !== '');
}

export function preview(body: unknown): string {
  const content = String((body as { content?: unknown } | undefined)?.content ?? '');
  return content
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255);
}

function series(ev: StandinEvent) {
  const r = ev.fields.recurrence as PatternedRecurrence;
  const t = times(ev.fields) as Times;
  const zone = r.range.recurrenceTimeZone
    ? resolveZone(r.range.recurrenceTimeZone)!
    : zoneOf(ev.fields.start);
  return { r, zone, startLocal: utcToLocal(t.start, zone), duration: t.end - t.start };
}

/** Whether the series' pattern has an occurrence starting at `key` (edited or not, not cancelled). */
export function inSeries(ev: StandinEvent, key: string): boolean {
  if (!ev.fields.recurrence || ev.cancelled.has(key)) return false;
  const ms = keyToMs(key);
  const { r, zone, startLocal, duration } = series(ev);
  return expand(r, startLocal, zone, duration, ms - 1, ms + 1).some((o) => o.start === ms);
}

/** The instants of a series' occurrences overlapping [from, to), with exceptions and cancellations applied. */
export function occurrences(
  ev: StandinEvent,
  from: number,
  to: number,
): Array<{ key: string; start: number; end: number }> {
  if (!ev.fields.recurrence) return [];
  const { r, zone, startLocal, duration } = series(ev);
  // Exceptions may have moved into or out of the window: expand a year around it and filter after.
  const pad = 366 * 86_400_000;
  const out: Array<{ key: string; start: number; end: number }> = [];
  for (const o of expand(r, startLocal, zone, duration, from - pad, to + pad)) {
    const key = occurrenceKey(o.start);
    if (ev.cancelled.has(key)) continue;
    const ex = ev.exceptions.get(key);
    const span = ex ? (times({ ...ev.fields, ...ex.fields }) as Times) : o;
    if (span.start < to && (span.end > from || (span.end === span.start && span.start >= from)))
      out.push({ key, start: span.start, end: span.end });
  }
  return out.sort((a, b) => a.start - b.start);
}

export function windowOf(req: GraphRequest): { from: number; to: number } | GraphReply {
  const s = req.query.get('startDateTime') ?? req.query.get('StartDateTime');
  const e = req.query.get('endDateTime') ?? req.query.get('EndDateTime');
  if (!s || !e)
    return graphError(
      400,
      'ErrorInvalidParameter',
      'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
    );
  // A time without an offset is read in UTC (Graph reads it in the Prefer time zone, UTC by default).
  const parse = (v: string) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  const from = parse(s);
  const to = parse(e);
  if (isNaN(from) || isNaN(to))
    return graphError(
      400,
      'ErrorInvalidParameter',
      `The value of startDateTime or endDateTime is not a valid date.`,
    );
  return { from, to };
}
