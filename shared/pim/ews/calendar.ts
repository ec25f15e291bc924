import type { PimAttendee, PimEvent, PimEventFields, PimPerson, PimUnsupported, ZonedTime } from '../model';
import { PimSkipCode } from './errors';
import { RecurrenceError, recurrenceToRrule } from './recurrence';
import { attr, child, children, text, type XNode } from './soap';
import { describeTimeZone, readMeetingTimeZone, resolveTimeZone, wallClock } from './timezone';

/**
 * An EWS CalendarItem (Exchange 2007 SP1 shape) → the neutral PimEvent. EWS gives every time in
 * UTC; the event's zone comes from its MeetingTimeZone, resolved to an IANA zone, and times are
 * converted to wall-clock in that zone.
 *
 * A zone that matches no known zone: a recurring series is listed as PIM_UNKNOWN_TIME_ZONE (its
 * occurrences would move by an hour across daylight-saving changes if expanded in the wrong zone,
 * which nobody would notice until they are late); a single event keeps its exact instants in UTC
 * (nothing shifts: Graph shows it in the user's zone), and an all-day one keeps its dates.
 */

export class MalformedItem extends Error {}

const SHOW_AS = { Free: 'free', Tentative: 'tentative', Busy: 'busy', OOF: 'oof' } as const;
const SENSITIVITY = {
  Normal: 'normal',
  Personal: 'personal',
  Private: 'private',
  Confidential: 'confidential',
} as const;
const IMPORTANCE = { Low: 'low', Normal: 'normal', High: 'high' } as const;
const RESPONSE: Record<string, PimAttendee['response']> = {
  Unknown: 'none',
  Organizer: 'accepted',
  Tentative: 'tentative',
  Accept: 'accepted',
  Decline: 'declined',
  NoResponseReceived: 'needsAction',
};

function pick<T extends Record<string, string>>(table: T, value: string | undefined): T[keyof T] | undefined {
  return value !== undefined && Object.prototype.hasOwnProperty.call(table, value)
    ? table[value as keyof T]
    : undefined;
}

function instant(item: XNode, name: string): Date {
  const value = text(item, name);
  const t = Date.parse(value ?? '');
  if (!value || Number.isNaN(t)) throw new MalformedItem(`${name} "${value ?? ''}" is not a date-time`);
  return new Date(t);
}

/** Nearest midnight of an all-day boundary (local midnight is within ±12 h of that date's UTC midnight). */
function nearestMidnight(wall: string): string {
  const t = Date.parse(`${wall}Z`) + 12 * 3600_000;
  return `${new Date(t).toISOString().slice(0, 10)}T00:00:00`;
}

export function person(mailbox: XNode | undefined): PimPerson | undefined {
  const address = text(mailbox, 'EmailAddress');
  if (!address) return undefined;
  const name = text(mailbox, 'Name');
  return name ? { name, address } : { address };
}

export function categories(item: XNode): string[] | undefined {
  const list = children(child(item, 'Categories'), 'String')
    .map((s) => text(s) ?? '')
    .filter(Boolean);
  return list.length ? list : undefined;
}

export function body(item: XNode): { contentType: 'html' | 'text'; content: string } | undefined {
  const b = child(item, 'Body');
  const content = text(b);
  if (!b || !content) return undefined;
  return { contentType: attr(b, 'BodyType') === 'HTML' ? 'html' : 'text', content };
}

/**
 * Converts EWS UTC times to the event's zone. All-day boundaries land on the nearest midnight: in
 * the right zone they already are midnights; in the UTC fallback the source zone's midnight is
 * within ±12 h of the date's UTC midnight, so the dates are kept.
 */
class Clock {
  constructor(readonly zone: string) {}
  at(d: Date, allDay: boolean): string {
    const wall = wallClock(d, this.zone);
    if (!allDay) return wall;
    return wall.endsWith('T00:00:00') ? wall : nearestMidnight(wall);
  }
  zoned(d: Date, allDay: boolean): ZonedTime {
    return { dateTime: this.at(d, allDay), timeZone: this.zone };
  }
}

function fields(item: XNode, clock: Clock): PimEventFields {
  const isAllDay = text(item, 'IsAllDayEvent') === 'true';
  const start = instant(item, 'Start');
  const end = instant(item, 'End');
  if (end < start) throw new MalformedItem('End is before Start');
  const reminder =
    text(item, 'ReminderIsSet') === 'true'
      ? Number(text(item, 'ReminderMinutesBeforeStart') ?? 15)
      : undefined;
  const f: PimEventFields = {
    subject: text(item, 'Subject') ?? '',
    start: clock.zoned(start, isAllDay),
    end: clock.zoned(end, isAllDay),
    isAllDay,
  };
  const b = body(item);
  if (b) f.body = b;
  const location = text(item, 'Location');
  if (location) f.location = location;
  const showAs = pick(SHOW_AS, text(item, 'LegacyFreeBusyStatus'));
  if (showAs) f.showAs = showAs;
  const sensitivity = pick(SENSITIVITY, text(item, 'Sensitivity'));
  if (sensitivity) f.sensitivity = sensitivity;
  const importance = pick(IMPORTANCE, text(item, 'Importance'));
  if (importance) f.importance = importance;
  const cats = categories(item);
  if (cats) f.categories = cats;
  if (reminder !== undefined && Number.isFinite(reminder) && reminder >= 0) f.reminderMinutes = reminder;
  return f;
}

function attendees(item: XNode): PimAttendee[] {
  const groups: Array<[string, PimAttendee['role']]> = [
    ['RequiredAttendees', 'required'],
    ['OptionalAttendees', 'optional'],
    ['Resources', 'resource'],
  ];
  return groups.flatMap(([element, role]) =>
    children(child(item, element), 'Attendee').flatMap((a): PimAttendee[] => {
      const p = person(child(a, 'Mailbox'));
      return p ? [{ ...p, role, response: RESPONSE[text(a, 'ResponseType') ?? 'Unknown'] ?? 'none' }] : [];
    }),
  );
}

/** The event's zone, or a skip when a recurring series has a zone nobody can name. */
function clockFor(item: XNode, label: string, recurring: boolean): Clock | PimUnsupported {
  const tz = readMeetingTimeZone(child(item, 'MeetingTimeZone'));
  if (tz === undefined) return new Clock('UTC');
  // Without a TimeZoneName attribute, the item's TimeZone display name helps pick among look-alikes.
  if (tz !== 'unreadable' && !tz.name) tz.name = text(item, 'TimeZone') ?? '';
  const zone = tz === 'unreadable' ? undefined : resolveTimeZone(tz);
  if (zone) return new Clock(zone);
  if (!recurring) return new Clock('UTC');
  return {
    kind: 'unsupported',
    label,
    code: PimSkipCode.unknownTimeZone,
    message:
      `The recurring event "${label}" uses the time zone ${describeTimeZone(tz)}, which matches no known zone, so its ` +
      `occurrences cannot be placed correctly. Fix: on the source, open the series in Outlook and set a standard time zone ` +
      `(or recreate it), then run the incremental sync.`,
  };
}

/**
 * Maps a calendar item. `occurrences` holds the GetItem results of its modified occurrences by
 * ItemId (a missing one falls back to the master's fields at the occurrence's times).
 */
export function mapCalendarItem(item: XNode, occurrences: Map<string, XNode>): PimEvent | PimUnsupported {
  const itemId = attr(child(item, 'ItemId'), 'Id') ?? '';
  const label = text(item, 'Subject') || itemId;
  const type = text(item, 'CalendarItemType') ?? 'Single';
  const recurrence = child(item, 'Recurrence');
  const recurring = type === 'RecurringMaster' && !!recurrence;
  const clock = clockFor(item, label, recurring);
  if (!(clock instanceof Clock)) return clock;
  try {
    const f = fields(item, clock);
    const event: PimEvent = {
      kind: 'event',
      uid: text(item, 'UID') || itemId,
      ...f,
      attendees: attendees(item),
      exceptions: [],
      attachments: [],
    };
    const organizer = person(child(child(item, 'Organizer'), 'Mailbox'));
    if (organizer) event.organizer = organizer;
    if (recurring && recurrence) {
      event.rrule = recurrenceToRrule(recurrence, f.start.dateTime, clock.zone, f.isAllDay);
      const deleted = children(child(item, 'DeletedOccurrences'), 'DeletedOccurrence');
      if (deleted.length) event.exdates = deleted.map((d) => clock.at(instant(d, 'Start'), f.isAllDay));
      for (const o of children(child(item, 'ModifiedOccurrences'), 'Occurrence')) {
        const occurrenceId = attr(child(o, 'ItemId'), 'Id') ?? '';
        const originalStart = clock.at(instant(o, 'OriginalStart'), f.isAllDay);
        const full = occurrences.get(occurrenceId);
        const changed = full
          ? fields(full, clock)
          : {
              ...f,
              start: clock.zoned(instant(o, 'Start'), f.isAllDay),
              end: clock.zoned(instant(o, 'End'), f.isAllDay),
            };
        event.exceptions.push({ originalStart, ...changed });
      }
    }
    return event;
  } catch (e) {
    if (e instanceof MalformedItem || e instanceof RecurrenceError) {
      return {
        kind: 'unsupported',
        label,
        code: PimSkipCode.malformed,
        message: `The calendar item "${label}" cannot be read: ${e.message}. Fix it on the source (open and save it in Outlook) and run the incremental sync.`,
      };
    }
    throw e;
  }
}

/** ItemIds of the modified occurrences of a recurring master (to GetItem them). */
export function modifiedOccurrenceIds(item: XNode): string[] {
  return children(child(item, 'ModifiedOccurrences'), 'Occurrence')
    .map((o) => attr(child(o, 'ItemId'), 'Id') ?? '')
    .filter(Boolean);
}
