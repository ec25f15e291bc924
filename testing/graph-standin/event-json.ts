/**
 * Events as Graph v1.0 answers them: the client's fields over Graph's defaults and computed
 * properties (type, seriesMasterId, originalStart, bodyPreview, organizer, hasAttachments...),
 * start/end in the zone `Prefer: outlook.timezone` asks for (UTC by default), extended properties
 * only when `$expand`ed, occurrences and exceptions of a series with their own ids.
 */
import { extendedJson } from './extended';
import type { GraphRequest } from './http';
import type { StandinEvent } from './pim-state';
import { keyToMs, outputZone, preview, times, type CalendarCtx, type Times } from './event-rules';
import { formatLocal, utcToLocal } from './timezones';

function renderTimes(req: GraphRequest, t: Times): { start: unknown; end: unknown } {
  const out = outputZone(req);
  const as = (ms: number) => ({ dateTime: formatLocal(utcToLocal(ms, out.zone)), timeZone: out.name });
  return { start: as(t.start), end: as(t.end) };
}

export function eventJson(
  req: GraphRequest,
  ctx: CalendarCtx,
  ev: StandinEvent,
  expandOverride?: string,
): Record<string, unknown> {
  const f = ev.fields;
  const t = times(f) as Times;
  const out: Record<string, unknown> = {
    '@odata.etag': `W/"${ev.changeKey}"`,
    id: ev.id,
    createdDateTime: ev.createdDateTime,
    lastModifiedDateTime: ev.lastModifiedDateTime,
    changeKey: ev.changeKey,
    categories: [],
    originalStartTimeZone: (f.start as { timeZone?: string }).timeZone ?? 'UTC',
    originalEndTimeZone: (f.end as { timeZone?: string }).timeZone ?? 'UTC',
    iCalUId: ev.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    subject: '',
    bodyPreview: preview(f.body),
    importance: 'normal',
    sensitivity: 'normal',
    isAllDay: false,
    isCancelled: false,
    isOrganizer: true,
    responseRequested: true,
    seriesMasterId: null,
    showAs: 'busy',
    type: f.recurrence ? 'seriesMaster' : 'singleInstance',
    webLink: `https://outlook.office365.com/owa/?itemid=${ev.id}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    recurrence: null,
    responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
    body: { contentType: 'html', content: '' },
    location: { displayName: '', locationType: 'default', uniqueIdType: 'unknown' },
    locations: [],
    attendees: [],
    organizer: {
      emailAddress: { name: ctx.user.displayName, address: ctx.user.mail ?? ctx.user.userPrincipalName },
    },
    onlineMeeting: null,
    ...f,
    ...renderTimes(req, t),
    hasAttachments: ev.attachments.some((a) => !a.isInline),
  };
  if (f.transactionId === undefined) delete out.transactionId;
  // Like single-value ones, multi-value extended properties come back only when expanded.
  if (!/multiValueExtendedProperties/i.test(req.query.get('$expand') ?? ''))
    delete out.multiValueExtendedProperties;
  extendedJson(req, ev.extended, out, expandOverride);
  return out;
}

export function occurrenceJson(
  req: GraphRequest,
  ctx: CalendarCtx,
  ev: StandinEvent,
  key: string,
): Record<string, unknown> {
  const ex = ev.exceptions.get(key);
  const original = keyToMs(key);
  const master = eventJson(req, ctx, ev, '');
  const fields: Record<string, unknown> = { ...ev.fields, ...(ex?.fields ?? {}), recurrence: null };
  const t = ex
    ? (times(fields) as Times)
    : {
        start: original,
        end: original + ((times(ev.fields) as Times).end - (times(ev.fields) as Times).start),
      };
  const out: Record<string, unknown> = {
    ...master,
    ...(ex?.fields ?? {}),
    id: `${ev.id}_${key}`,
    type: ex ? 'exception' : 'occurrence',
    seriesMasterId: ev.id,
    recurrence: null,
    originalStart: new Date(original).toISOString().replace(/\.\d+Z$/, 'Z'),
    bodyPreview: preview(fields.body),
    ...renderTimes(req, t),
  };
  if (ex) out.lastModifiedDateTime = ex.lastModifiedDateTime;
  delete out.transactionId;
  extendedJson(req, ex?.extended ?? new Map(), out);
  return out;
}
