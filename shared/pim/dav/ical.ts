import ICAL from 'ical.js';
import type {
  PimAttachment,
  PimAttendee,
  PimEvent,
  PimEventFields,
  PimPerson,
  PimUnsupported,
} from '../model';
import { ianaZone, utcToWallClock } from '../timeZones';

/**
 * One CalDAV calendar resource (iCalendar, RFC 5545) as a neutral PimEvent: the master VEVENT with
 * its RRULE/RDATE/EXDATE and the overridden instances (VEVENTs with RECURRENCE-ID). Anything that is
 * not a usable event comes back as PimUnsupported with a code, so the caller lists it.
 */
type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function wallClock(t: Time): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

class UnknownZone extends Error {}

/** The zone of a DATE-TIME property: its TZID, `UTC` for a Z time, the fallback for floating times. */
function zoneOf(comp: Component, name: string, floatingZone: string): string {
  const prop = comp.getFirstProperty(name);
  const tzid = prop?.getParameter('tzid');
  const value = prop?.getFirstValue() as Time | undefined;
  if (typeof tzid === 'string' && tzid) {
    const iana = ianaZone(tzid);
    if (!iana) throw new UnknownZone(tzid);
    return iana;
  }
  if (value && value.zone === ICAL.Timezone.utcTimezone) return 'UTC';
  return floatingZone;
}

function text(comp: Component, name: string): string | undefined {
  const v = comp.getFirstPropertyValue(name);
  return typeof v === 'string' && v.trim() ? v : undefined;
}

function mailto(value: unknown): string {
  return String(value ?? '').replace(/^mailto:/i, '');
}

function person(prop: ReturnType<Component['getFirstProperty']>): PimPerson | undefined {
  if (!prop) return undefined;
  const address = mailto(prop.getFirstValue());
  const cn = prop.getParameter('cn');
  return address ? { address, ...(typeof cn === 'string' && cn ? { name: cn } : {}) } : undefined;
}

const ROLE: Record<string, PimAttendee['role']> = {
  'REQ-PARTICIPANT': 'required',
  CHAIR: 'required',
  'OPT-PARTICIPANT': 'optional',
  'NON-PARTICIPANT': 'optional',
};
const RESPONSE: Record<string, PimAttendee['response']> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
  'NEEDS-ACTION': 'needsAction',
};

function attendees(comp: Component): PimAttendee[] {
  return comp.getAllProperties('attendee').flatMap((p) => {
    const who = person(p);
    if (!who) return [];
    const cutype = String(p.getParameter('cutype') ?? '').toUpperCase();
    const role =
      cutype === 'RESOURCE' || cutype === 'ROOM'
        ? 'resource'
        : (ROLE[String(p.getParameter('role') ?? 'REQ-PARTICIPANT').toUpperCase()] ?? 'required');
    const response = RESPONSE[String(p.getParameter('partstat') ?? '').toUpperCase()] ?? 'none';
    return [{ ...who, role, response }];
  });
}

/** Minutes before start of the first DISPLAY/AUDIO alarm relative to the start, if any. */
function reminder(comp: Component): number | undefined {
  for (const alarm of comp.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const value = trigger?.getFirstValue() as unknown;
    if (
      value instanceof ICAL.Duration &&
      String(trigger?.getParameter('related') ?? 'START').toUpperCase() === 'START'
    ) {
      const seconds = value.toSeconds();
      if (seconds <= 0) return Math.round(-seconds / 60);
    }
  }
  return undefined;
}

const SHOW_AS: Record<string, PimEventFields['showAs']> = { TRANSPARENT: 'free', OPAQUE: 'busy' };
const SENSITIVITY: Record<string, PimEventFields['sensitivity']> = {
  PUBLIC: 'normal',
  PRIVATE: 'private',
  CONFIDENTIAL: 'confidential',
};

function importance(priority: unknown): PimEventFields['importance'] {
  const p = Number(priority);
  if (!p) return undefined;
  return p <= 4 ? 'high' : p === 5 ? 'normal' : 'low';
}

function fields(comp: Component, floatingZone: string): PimEventFields {
  const start = comp.getFirstPropertyValue('dtstart') as Time | null;
  if (!start) throw new MissingStart();
  const isAllDay = start.isDate;
  const startZone = zoneOf(comp, 'dtstart', floatingZone);
  let end = comp.getFirstPropertyValue('dtend') as Time | null;
  let endZone = end ? zoneOf(comp, 'dtend', floatingZone) : startZone;
  if (!end) {
    const duration = comp.getFirstPropertyValue('duration') as InstanceType<typeof ICAL.Duration> | null;
    end = start.clone();
    if (duration) end.addDuration(duration);
    else if (isAllDay) end.adjust(1, 0, 0, 0);
    endZone = startZone;
  }
  const allDayZone = isAllDay ? floatingZone : undefined;
  const description = text(comp, 'description');
  const categories = comp
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map(String))
    .filter(Boolean);
  const klass = String(comp.getFirstPropertyValue('class') ?? '').toUpperCase();
  const transp = String(comp.getFirstPropertyValue('transp') ?? '').toUpperCase();
  const status = String(comp.getFirstPropertyValue('status') ?? '').toUpperCase();
  const minutes = reminder(comp);
  return {
    subject: text(comp, 'summary') ?? '',
    ...(description ? { body: { contentType: 'text', content: description } } : {}),
    ...(text(comp, 'location') ? { location: text(comp, 'location') } : {}),
    start: { dateTime: wallClock(start), timeZone: allDayZone ?? startZone },
    end: { dateTime: wallClock(end), timeZone: allDayZone ?? endZone },
    isAllDay,
    ...(status === 'TENTATIVE'
      ? { showAs: 'tentative' }
      : SHOW_AS[transp]
        ? { showAs: SHOW_AS[transp] }
        : {}),
    ...(SENSITIVITY[klass] ? { sensitivity: SENSITIVITY[klass] } : {}),
    ...(importance(comp.getFirstPropertyValue('priority'))
      ? { importance: importance(comp.getFirstPropertyValue('priority')) }
      : {}),
    ...(categories.length ? { categories } : {}),
    ...(minutes !== undefined ? { reminderMinutes: minutes } : {}),
  };
}

class MissingStart extends Error {}

function attachments(comp: Component): PimAttachment[] {
  return comp.getAllProperties('attach').flatMap((p) => {
    if (String(p.getParameter('encoding') ?? '').toUpperCase() !== 'BASE64') return [];
    const content = String(p.getFirstValue() ?? '').replace(/\s+/g, '');
    const name = String(p.getParameter('x-filename') ?? p.getParameter('filename') ?? 'attachment');
    const contentType = String(p.getParameter('fmttype') ?? 'application/octet-stream');
    return [{ name, contentType, size: Math.floor((content.length * 3) / 4), contentBase64: content }];
  });
}

function dateList(comp: Component, name: string, zone: string): string[] {
  return comp.getAllProperties(name).flatMap((p) =>
    p.getValues().flatMap((v) => {
      if (v instanceof ICAL.Time) {
        // A UTC or other-zone value is converted into the series' zone, where the rule lives.
        if (zone !== 'UTC' && v.zone === ICAL.Timezone.utcTimezone)
          return [utcToWallClock(v.toJSDate(), zone)];
        return [wallClock(v)];
      }
      return []; // PERIOD values in RDATE: kept out (rare); the start alone would be wrong.
    }),
  );
}

export function parseCalendarObject(
  source: string,
  label: string,
  floatingZone = 'UTC',
): PimEvent | PimUnsupported {
  let root: Component;
  try {
    root = new ICAL.Component(ICAL.parse(source) as unknown[]);
  } catch (e) {
    return malformed(label, `not valid iCalendar (${(e as Error).message})`);
  }
  const events = root.name === 'vevent' ? [root] : root.getAllSubcomponents('vevent');
  if (events.length === 0) {
    return {
      kind: 'unsupported',
      label,
      code: 'PIM_NOT_AN_EVENT',
      message: `${label}: holds no VEVENT (a task or journal entry); Microsoft 365 calendars take events only.`,
    };
  }
  const master = events.find((e) => !e.getFirstProperty('recurrence-id')) ?? events[0]!;
  const subject = text(master, 'summary') ?? label;
  try {
    const base = fields(master, floatingZone);
    const uid = text(master, 'uid') ?? label;
    const zone = base.start.timeZone;
    const rrule = master.getFirstPropertyValue('rrule');
    const overrides = events.filter((e) => e !== master && e.getFirstProperty('recurrence-id'));
    return {
      kind: 'event',
      uid,
      ...base,
      ...(person(master.getFirstProperty('organizer'))
        ? { organizer: person(master.getFirstProperty('organizer')) }
        : {}),
      attendees: attendees(master),
      ...(rrule ? { rrule: String(rrule) } : {}),
      ...(master.getFirstProperty('rdate') ? { rdates: dateList(master, 'rdate', zone) } : {}),
      ...(master.getFirstProperty('exdate') ? { exdates: dateList(master, 'exdate', zone) } : {}),
      exceptions:
        rrule || master.getFirstProperty('rdate')
          ? overrides.map((o) => {
              const rid = o.getFirstPropertyValue('recurrence-id') as Time;
              return { originalStart: wallClock(rid), ...fields(o, floatingZone) };
            })
          : [],
      attachments: attachments(master),
    };
  } catch (e) {
    if (e instanceof UnknownZone) {
      return {
        kind: 'unsupported',
        label: subject,
        code: 'PIM_UNKNOWN_TIME_ZONE',
        message: `"${subject}" (${label}): time zone "${e.message}" is neither an IANA nor a Windows zone name; fix its TZID on the source (e.g. Europe/Berlin) and run an incremental pass.`,
      };
    }
    if (e instanceof MissingStart) return malformed(label, 'the event has no DTSTART');
    return malformed(label, (e as Error).message);
  }
}

export function malformed(label: string, why: string): PimUnsupported {
  return {
    kind: 'unsupported',
    label,
    code: 'PIM_MALFORMED',
    message: `${label}: ${why}; fix or re-export the item on the source and run an incremental pass.`,
  };
}
