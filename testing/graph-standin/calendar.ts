/**
 * Calendars and events as Microsoft Graph v1.0 documents them (calendar, event, patternedRecurrence,
 * List instances, List calendarView, transactionId):
 * - `/calendars` (GET, POST), `/calendars/{id}` (GET, PATCH, DELETE), the default `/calendar`;
 * - events under `/events`, `/calendar/events`, `/calendars/{id}/events`: POST (a second POST with
 *   the same `transactionId` returns the event the first one created), GET (with `$filter`, incl.
 *   `singleValueExtendedProperties/Any(...)`, and `$expand=singleValueExtendedProperties($filter=...)`),
 *   PATCH, DELETE;
 * - `/events/{id}/instances` and `/calendarView`, both requiring `startDateTime` and `endDateTime`,
 *   expanding recurrences; PATCH of an occurrence makes it an exception, DELETE cancels it;
 * - start/end come back in UTC unless `Prefer: outlook.timezone="..."` names a zone;
 * - an event created or updated with attendees sends them a meeting request/update, and deleting it
 *   sends a cancellation: Exchange does so and nothing turns it off, so the stand-in records each one.
 */
import { randomUUID } from 'node:crypto';
import type { Directory } from './directory';
import { noMailbox } from './directory';
import { filtered, listPage } from './list';
import { eventAttachments } from './event-attachments';
import { eventJson, occurrenceJson } from './event-json';
import {
  CALENDAR_ID,
  EVENT_ID,
  OCCURRENCE_ID,
  attendeeAddresses,
  eventProblem,
  inSeries,
  occurrences,
  times,
  windowOf,
  type CalendarCtx,
  type Times,
} from './event-rules';
import { filterPropertyIdsProblem, readExtendedProperties } from './extended';
import {
  MAX_REQUEST_BYTES,
  graphError,
  isReply,
  jsonBody,
  malformedId,
  notFound,
  page,
  type GraphReply,
  type GraphRequest,
} from './http';
import { ODataError, orderBy, select } from './odata';
import {
  newChangeKey,
  newId,
  type StandinCalendar,
  type StandinEvent,
  type StandinExtendedProperty,
  type StandinPim,
} from './pim-state';
import { checkBody, checkQuery } from './schema/validate';
import type { StandinState } from './state';

export class Calendar {
  constructor(
    private readonly state: StandinState,
    private readonly directory: Directory,
  ) {}

  handle(req: GraphRequest): GraphReply | null {
    const parts = req.path.split('/').filter(Boolean);
    if (parts[0] !== 'users' || !parts[1] || parts.length < 3) return null;
    const sub = parts[2]!;
    if (!['calendars', 'calendar', 'events', 'calendarView'].includes(sub)) return null;
    const user = this.directory.findUser(parts[1]);
    if (!user)
      return graphError(
        404,
        'ErrorInvalidUser',
        `The requested user '${decodeURIComponent(parts[1])}' is invalid.`,
      );
    const box = this.state.mailboxes.get(user.id);
    if (!user.hasMailbox || !box) return noMailbox();
    const ctx: CalendarCtx = { user, pim: box.pim };
    if ((req.method === 'POST' || req.method === 'PATCH') && req.body.length > MAX_REQUEST_BYTES)
      return graphError(
        413,
        'ErrorRequestEntityTooLarge',
        'The request body exceeds the maximum size of 4 MB.',
      );
    try {
      return this.route(req, ctx, sub, parts.slice(3));
    } catch (e) {
      if (e instanceof ODataError)
        return graphError(400, 'BadRequest', `Invalid filter clause: ${e.message}`);
      throw e;
    }
  }

  private defaultCalendar(pim: StandinPim): StandinCalendar {
    return [...pim.calendars.values()].find((c) => c.isDefaultCalendar)!;
  }

  private route(req: GraphRequest, ctx: CalendarCtx, sub: string, rest: string[]): GraphReply | null {
    const { pim } = ctx;
    if (sub === 'calendarView' && rest.length === 0)
      return this.calendarView(req, ctx, this.defaultCalendar(pim));
    if (sub === 'events') return this.events(req, ctx, rest, this.defaultCalendar(pim), false);
    let calendar: StandinCalendar;
    if (sub === 'calendar') {
      calendar = this.defaultCalendar(pim);
    } else {
      if (rest.length === 0) return this.calendarCollection(req, ctx);
      const id = decodeURIComponent(rest[0]!);
      if (!CALENDAR_ID.test(id)) return malformedId();
      const found = pim.calendars.get(id);
      if (!found) return notFound();
      calendar = found;
      rest = rest.slice(1);
    }
    if (rest.length === 0) return this.calendarItem(req, ctx, calendar);
    if (rest[0] === 'events') return this.events(req, ctx, rest.slice(1), calendar, true);
    if (rest[0] === 'calendarView' && rest.length === 1) return this.calendarView(req, ctx, calendar);
    return null;
  }

  calendarJson(ctx: CalendarCtx, c: StandinCalendar): Record<string, unknown> {
    return {
      '@odata.etag': `W/"${c.changeKey}"`,
      id: c.id,
      name: c.name,
      color: c.color,
      hexColor: '',
      isDefaultCalendar: c.isDefaultCalendar,
      changeKey: c.changeKey,
      canShare: true,
      canViewPrivateItems: true,
      canEdit: true,
      isRemovable: !c.isDefaultCalendar,
      isTallyingResponses: true,
      allowedOnlineMeetingProviders: ['teamsForBusiness'],
      defaultOnlineMeetingProvider: 'teamsForBusiness',
      owner: { name: ctx.user.displayName, address: ctx.user.mail ?? ctx.user.userPrincipalName },
    };
  }

  private calendarCollection(req: GraphRequest, ctx: CalendarCtx): GraphReply | null {
    const { pim } = ctx;
    if (req.method === 'GET') {
      const badQuery = checkQuery('calendar', req, 'collection');
      if (badQuery) return badQuery;
      const list = [...pim.calendars.values()].map((c) => this.calendarJson(ctx, c));
      return listPage(req, filtered(req, list));
    }
    if (req.method !== 'POST') return null;
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const bad = checkBody('calendar', body, 'create');
    if (bad) return bad;
    if (typeof body.name !== 'string' || body.name.trim() === '')
      return graphError(400, 'ErrorInvalidParameter', 'The calendar needs a name.');
    if ([...pim.calendars.values()].some((c) => c.name.toLowerCase() === (body.name as string).toLowerCase()))
      return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    const c: StandinCalendar = {
      id: newId('cal'),
      name: body.name,
      color: typeof body.color === 'string' ? body.color : 'auto',
      isDefaultCalendar: false,
      changeKey: newChangeKey(),
    };
    pim.calendars.set(c.id, c);
    return { status: 201, body: this.calendarJson(ctx, c) };
  }

  private calendarItem(req: GraphRequest, ctx: CalendarCtx, c: StandinCalendar): GraphReply | null {
    if (req.method === 'GET')
      return (
        checkQuery('calendar', req, 'item') ?? {
          status: 200,
          body: select(this.calendarJson(ctx, c), req.query.get('$select')),
        }
      );
    if (req.method === 'PATCH') {
      const body = jsonBody(req);
      if (isReply(body)) return body;
      const bad = checkBody('calendar', body, 'update');
      if (bad) return bad;
      if (typeof body.name === 'string') c.name = body.name;
      if (typeof body.color === 'string') c.color = body.color;
      c.changeKey = newChangeKey();
      return { status: 200, body: this.calendarJson(ctx, c) };
    }
    if (req.method === 'DELETE') {
      if (c.isDefaultCalendar)
        return graphError(400, 'ErrorCannotDeleteObject', 'The default calendar cannot be deleted.');
      ctx.pim.calendars.delete(c.id);
      for (const e of [...ctx.pim.events.values()]) if (e.calendarId === c.id) ctx.pim.events.delete(e.id);
      return { status: 204 };
    }
    return null;
  }

  private events(
    req: GraphRequest,
    ctx: CalendarCtx,
    rest: string[],
    calendar: StandinCalendar,
    scoped: boolean,
  ): GraphReply | null {
    if (rest.length === 0) {
      if (req.method === 'GET') return this.listEvents(req, ctx, calendar);
      if (req.method === 'POST') return this.createEvent(req, ctx, calendar);
      return null;
    }
    const id = decodeURIComponent(rest[0]!);
    const occ = OCCURRENCE_ID.exec(id);
    if (!EVENT_ID.test(id) && !occ) return malformedId();
    const master = ctx.pim.events.get(occ ? occ[1]! : id);
    if (!master || (scoped && master.calendarId !== calendar.id)) return notFound();
    if (occ) {
      if (rest.length !== 1) return null;
      return this.occurrence(req, ctx, master, occ[2]!);
    }
    if (rest.length === 2 && rest[1] === 'instances' && req.method === 'GET')
      return this.instances(req, ctx, master);
    if (rest[1] === 'attachments') return eventAttachments(this.state, req, ctx, master, rest.slice(2));
    if (rest.length !== 1) return null;
    if (req.method === 'GET') {
      const bad = checkQuery('event', req, 'item') ?? filterPropertyIdsProblem(req.query.get('$expand'));
      if (bad) return bad;
      return { status: 200, body: select(eventJson(req, ctx, master), req.query.get('$select')) };
    }
    if (req.method === 'PATCH') return this.patchEvent(req, ctx, master);
    if (req.method === 'DELETE') {
      ctx.pim.events.delete(master.id);
      for (const [t, eid] of ctx.pim.transactions) if (eid === master.id) ctx.pim.transactions.delete(t);
      this.invite(ctx, master.fields, master.id, 'cancellation');
      return { status: 204 };
    }
    return null;
  }

  private listEvents(req: GraphRequest, ctx: CalendarCtx, calendar: StandinCalendar): GraphReply {
    const badQuery = checkQuery('event', req, 'collection');
    if (badQuery) return badQuery;
    const badExpand = filterPropertyIdsProblem(req.query.get('$expand'));
    if (badExpand) return badExpand;
    const filterText = req.query.get('$filter');
    const badFilter = filterPropertyIdsProblem(filterText);
    if (badFilter) return badFilter;
    const list = filtered(
      req,
      [...ctx.pim.events.values()].filter((e) => e.calendarId === calendar.id),
      (e) => eventJson(req, ctx, e, 'singleValueExtendedProperties'),
    );
    return listPage(
      req,
      list.map((e) => eventJson(req, ctx, e)),
    );
  }

  private invite(
    ctx: CalendarCtx,
    fields: Record<string, unknown>,
    eventId: string,
    meetingMessage: 'request' | 'update' | 'cancellation',
  ): void {
    const own = (ctx.user.mail ?? ctx.user.userPrincipalName).toLowerCase();
    const recipients = attendeeAddresses(fields).filter((a) => a.toLowerCase() !== own);
    if (recipients.length === 0) return;
    const subject = String(fields.subject ?? '');
    this.state.invitations.push({
      at: Date.now(),
      from: ctx.user.mail ?? ctx.user.userPrincipalName,
      recipients,
      subject: meetingMessage === 'cancellation' ? `Canceled: ${subject}` : subject,
      eventId,
      meetingMessage,
    });
  }

  private createEvent(req: GraphRequest, ctx: CalendarCtx, calendar: StandinCalendar): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const bad = checkBody('event', body, 'create');
    if (bad) return bad;
    const txn = typeof body.transactionId === 'string' ? body.transactionId : null;
    if (txn) {
      const existing = ctx.pim.events.get(ctx.pim.transactions.get(txn) ?? '');
      if (existing) return { status: 201, body: eventJson(req, ctx, existing) };
    }
    const { singleValueExtendedProperties: svep, ...fields } = body;
    const problem = eventProblem(fields);
    if (problem) return problem;
    const extended = new Map<string, StandinExtendedProperty>();
    if (svep !== undefined) {
      const props = readExtendedProperties(svep);
      if (isReply(props)) return props;
      for (const p of props) extended.set(p.key, { id: p.id, value: p.value });
    }
    const now = new Date().toISOString();
    const ev: StandinEvent = {
      id: newId('evt'),
      calendarId: calendar.id,
      createdDateTime: now,
      lastModifiedDateTime: now,
      changeKey: newChangeKey(),
      iCalUId: `040000008200E00074C5B7101A82E008${randomUUID().replace(/-/g, '').toUpperCase()}`,
      fields,
      extended,
      exceptions: new Map(),
      cancelled: new Set(),
      attachments: [],
    };
    ctx.pim.events.set(ev.id, ev);
    if (txn) ctx.pim.transactions.set(txn, ev.id);
    this.invite(ctx, fields, ev.id, 'request');
    return { status: 201, body: eventJson(req, ctx, ev) };
  }

  private patchEvent(req: GraphRequest, ctx: CalendarCtx, ev: StandinEvent): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const bad = checkBody('event', body, 'update');
    if (bad) return bad;
    if ('transactionId' in body && body.transactionId !== (ev.fields.transactionId ?? null))
      return graphError(400, 'ErrorInvalidRequest', 'The transactionId of an event cannot be changed.');
    const { singleValueExtendedProperties: svep, ...changes } = body;
    const merged = { ...ev.fields, ...changes };
    const problem = eventProblem(merged);
    if (problem) return problem;
    let props: Array<{ key: string; id: string; value: string }> = [];
    if (svep !== undefined) {
      const read = readExtendedProperties(svep);
      if (isReply(read)) return read;
      props = read;
    }
    // Changing the series' pattern or times makes Exchange drop its exceptions and cancellations.
    if (['recurrence', 'start', 'end'].some((k) => k in changes)) {
      ev.exceptions.clear();
      ev.cancelled.clear();
    }
    ev.fields = merged;
    for (const p of props) ev.extended.set(p.key, { id: p.id, value: p.value });
    ev.lastModifiedDateTime = new Date().toISOString();
    ev.changeKey = newChangeKey();
    if (Object.keys(changes).length > 0) this.invite(ctx, ev.fields, ev.id, 'update');
    return { status: 200, body: eventJson(req, ctx, ev) };
  }

  private instances(req: GraphRequest, ctx: CalendarCtx, ev: StandinEvent): GraphReply {
    const badQuery = checkQuery('event', req, 'view');
    if (badQuery) return badQuery;
    const w = windowOf(req);
    if (isReply(w)) return w;
    const list = occurrences(ev, w.from, w.to).map((o) => occurrenceJson(req, ctx, ev, o.key));
    return page(
      req,
      orderBy(list, req.query.get('$orderby')).map((x) => select(x, req.query.get('$select'))),
      10,
      1000,
    );
  }

  private calendarView(req: GraphRequest, ctx: CalendarCtx, calendar: StandinCalendar): GraphReply | null {
    if (req.method !== 'GET') return null;
    const badQuery = checkQuery('event', req, 'view');
    if (badQuery) return badQuery;
    const w = windowOf(req);
    if (isReply(w)) return w;
    const items: Array<{ start: number; json: Record<string, unknown> }> = [];
    for (const ev of ctx.pim.events.values()) {
      if (ev.calendarId !== calendar.id) continue;
      if (ev.fields.recurrence) {
        for (const o of occurrences(ev, w.from, w.to))
          items.push({ start: o.start, json: occurrenceJson(req, ctx, ev, o.key) });
        continue;
      }
      const t = times(ev.fields) as Times;
      if (t.start < w.to && (t.end > w.from || (t.end === t.start && t.start >= w.from)))
        items.push({ start: t.start, json: eventJson(req, ctx, ev) });
    }
    items.sort((a, b) => a.start - b.start);
    return listPage(
      req,
      filtered(
        req,
        items.map((i) => i.json),
      ),
    );
  }

  private occurrence(req: GraphRequest, ctx: CalendarCtx, ev: StandinEvent, key: string): GraphReply | null {
    if (!inSeries(ev, key)) return notFound();
    if (req.method === 'GET')
      return (
        checkQuery('event', req, 'item') ?? {
          status: 200,
          body: select(occurrenceJson(req, ctx, ev, key), req.query.get('$select')),
        }
      );
    if (req.method === 'DELETE') {
      ev.cancelled.add(key);
      ev.exceptions.delete(key);
      ev.changeKey = newChangeKey();
      return { status: 204 };
    }
    if (req.method === 'PATCH') {
      const body = jsonBody(req);
      if (isReply(body)) return body;
      const bad = checkBody('event', body, 'update');
      if (bad) return bad;
      if ('recurrence' in body && body.recurrence !== null)
        return graphError(
          400,
          'ErrorInvalidRequest',
          'An occurrence of a series cannot have its own recurrence.',
        );
      const { singleValueExtendedProperties: svep, ...changes } = body;
      const ex = ev.exceptions.get(key) ?? {
        id: `${ev.id}_${key}`,
        fields: {},
        extended: new Map<string, StandinExtendedProperty>(),
        lastModifiedDateTime: '',
      };
      const merged = { ...ev.fields, ...ex.fields, ...changes, recurrence: null };
      const problem = eventProblem(merged);
      if (problem) return problem;
      if (svep !== undefined) {
        const props = readExtendedProperties(svep);
        if (isReply(props)) return props;
        for (const p of props) ex.extended.set(p.key, { id: p.id, value: p.value });
      }
      Object.assign(ex.fields, changes);
      ex.lastModifiedDateTime = new Date().toISOString();
      ev.exceptions.set(key, ex);
      this.invite(ctx, merged, ex.id, 'update');
      return { status: 200, body: occurrenceJson(req, ctx, ev, key) };
    }
    return null;
  }
}
