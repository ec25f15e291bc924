import type { PimAttendee, PimEvent, PimEventFields, PimPerson } from '../model';
import type { GraphRecurrence } from '../recurrence';
import { windowsZone } from '../timeZones';

/**
 * A neutral event as the JSON of a Graph event. It never carries attendees: Graph mails an
 * invitation to every attendee of an event it creates or updates, and nothing turns that off. The
 * organizer and the attendees (name, address, role, response) become a readable block at the top
 * of the body instead.
 */
export interface GraphEventBody {
  subject: string;
  body: { contentType: 'html' | 'text'; content: string };
  start: { dateTime: string; timeZone: string };
  end: { dateTime: string; timeZone: string };
  isAllDay: boolean;
  location?: { displayName: string };
  showAs?: string;
  sensitivity?: string;
  importance?: string;
  categories?: string[];
  isReminderOn: boolean;
  reminderMinutesBeforeStart?: number;
  attendees: [];
  recurrence?: GraphRecurrence | null;
  transactionId?: string;
  singleValueExtendedProperties?: Array<{ id: string; value: string }>;
}

export class UnknownZoneError extends Error {
  constructor(readonly zone: string) {
    super(zone);
  }
}

const RESPONSE_TEXT: Record<PimAttendee['response'], string> = {
  none: 'no response',
  accepted: 'accepted',
  declined: 'declined',
  tentative: 'tentative',
  needsAction: 'not yet answered',
};

function who(p: PimPerson): string {
  return p.name ? `${p.name} <${p.address}>` : p.address;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The people lines: empty when the event has neither organizer nor attendees. */
export function peopleLines(event: Pick<PimEvent, 'organizer' | 'attendees'>): string[] {
  const lines: string[] = [];
  if (event.organizer) lines.push(`Organizer: ${who(event.organizer)}`);
  for (const a of event.attendees)
    lines.push(
      `${a.role === 'resource' ? 'Resource' : a.role === 'optional' ? 'Optional' : 'Required'}: ${who(a)} (${RESPONSE_TEXT[a.response]})`,
    );
  return lines;
}

function bodyWithPeople(body: PimEventFields['body'], people: string[]): GraphEventBody['body'] {
  const content = body?.content ?? '';
  if (people.length === 0) return { contentType: body?.contentType ?? 'text', content };
  const heading = 'Migrated meeting (no invitations were sent):';
  if (body?.contentType === 'html') {
    const block = `<div class="mailferry-people"><p>${escapeHtml(heading)}<br>${people.map(escapeHtml).join('<br>')}</p><hr></div>`;
    // Inside <body> when the source body is a whole document.
    const at = /<body[^>]*>/i.exec(content);
    return {
      contentType: 'html',
      content: at
        ? content.slice(0, at.index + at[0].length) + block + content.slice(at.index + at[0].length)
        : block + content,
    };
  }
  return { contentType: 'text', content: `${heading}\n${people.join('\n')}\n${'-'.repeat(40)}\n${content}` };
}

function zoned(t: { dateTime: string; timeZone: string }, isAllDay: boolean) {
  const timeZone = windowsZone(t.timeZone);
  if (!timeZone) throw new UnknownZoneError(t.timeZone);
  // All-day events are midnight to midnight; Graph wants exactly that.
  const dateTime = isAllDay ? `${t.dateTime.slice(0, 10)}T00:00:00` : t.dateTime.slice(0, 19);
  return { dateTime, timeZone };
}

/** The fields every event and every edited instance carries. */
export function eventFields(f: PimEventFields, people: string[]): Omit<GraphEventBody, 'attendees'> {
  return {
    subject: f.subject,
    body: bodyWithPeople(f.body, people),
    start: zoned(f.start, f.isAllDay),
    end: zoned(f.end, f.isAllDay),
    isAllDay: f.isAllDay,
    ...(f.location ? { location: { displayName: f.location } } : {}),
    ...(f.showAs ? { showAs: f.showAs } : {}),
    ...(f.sensitivity ? { sensitivity: f.sensitivity } : {}),
    ...(f.importance ? { importance: f.importance } : {}),
    ...(f.categories?.length ? { categories: f.categories } : {}),
    isReminderOn: f.reminderMinutes !== undefined,
    ...(f.reminderMinutes !== undefined ? { reminderMinutesBeforeStart: f.reminderMinutes } : {}),
  };
}

export function eventBody(event: PimEvent, recurrence?: GraphRecurrence): GraphEventBody {
  return { ...eventFields(event, peopleLines(event)), attendees: [], ...(recurrence ? { recurrence } : {}) };
}
