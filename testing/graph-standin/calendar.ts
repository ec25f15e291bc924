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
import { filterPropertyIdsProblem, readExtendedProperties } from './extended';
import { graphError, isReply, jsonBody, page, type GraphReply, type GraphRequest } from './http';
import { ODataError, evaluate, parseFilter, select } from './odata';
import {
  newChangeKey,
  newId,
  type StandinCalendar,
  type StandinEvent,
  type StandinExtendedProperty,
  type StandinPim,
} from './pim-state';
import { expand, recurrenceProblem, type PatternedRecurrence } from './recurrence';
import { checkBody } from './schema/validate';
import type { StandinState, StandinUser } from './state';
import { formatLocal, localToUtc, parseLocal, resolveZone, utcToLocal } from './timezones';

const EVENT_ID = /^evt-[0-9a-f-]{36}$/;
const OCCURRENCE_ID = /^(evt-[0-9a-f-]{36})_(\d{8}T\d{6}Z)$/;
const CALENDAR_ID = /^cal-[0-9a-f-]{36}$/;

interface Ctx {
  user: StandinUser;
  pim: StandinPim;
}

export function notFound(): GraphReply {
  return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

export function malformedId(): GraphReply {
  return graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
}

/** `20260105T080000Z`: an occurrence's original start, as part of its id. */
export function occurrenceKey(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function keyToMs(key: string): number {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(key)!;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

interface Times {
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

function times(fields: Record<string, unknown>): Times | GraphReply {
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
function eventProblem(fields: Record<string, unknown>): GraphReply | null {
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
function outputZone(req: GraphRequest): { name: string; zone: string } {
  const m = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(req.headers['prefer'] ?? '');
  const zone = m ? resolveZone(m[1]!) : null;
  return m && zone ? { name: m[1]!, zone } : { name: 'UTC', zone: 'Etc/UTC' };
}

function attendeeAddresses(fields: Record<string, unknown>): string[] {
  const list = Array.isArray(fields.attendees) ? (fields.attendees as Array<Record<string, unknown>>) : [];
  return list
    .map((a) => (a.emailAddress as { address?: unknown } | undefined)?.address)
    .filter((a): a is string => typeof a === 'string' && a !== '');
}

function preview(body: unknown): string {
  const content = String((body as { content?: unknown } | undefined)?.content ?? '');
  return content
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255);
}

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
    const ctx: Ctx = { user, pim: box.pim };
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

  private route(req: GraphRequest, ctx: Ctx, sub: string, rest: string[]): GraphReply | null {
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

  calendarJson(ctx: Ctx, c: StandinCalendar): Record<string, unknown> {
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

  private calendarCollection(req: GraphRequest, ctx: Ctx): GraphReply | null {
    const { pim } = ctx;
    if (req.method === 'GET') {
      let list = [...pim.calendars.values()].map((c) => this.calendarJson(ctx, c));
      const filterText = req.query.get('$filter');
      if (filterText) {
        const f = parseFilter(filterText);
        list = list.filter((c) => evaluate(f, c));
      }
      return page(
        req,
        list.map((c) => select(c, req.query.get('$select'))),
        10,
        1000,
      );
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

  private calendarItem(req: GraphRequest, ctx: Ctx, c: StandinCalendar): GraphReply | null {
    if (req.method === 'GET')
      return { status: 200, body: select(this.calendarJson(ctx, c), req.query.get('$select')) };
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
    ctx: Ctx,
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
    if (rest.length !== 1) return null;
    if (req.method === 'GET') {
      const bad = filterPropertyIdsProblem(req.query.get('$expand'));
      if (bad) return bad;
      return { status: 200, body: select(this.eventJson(req, ctx, master), req.query.get('$select')) };
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

  private listEvents(req: GraphRequest, ctx: Ctx, calendar: StandinCalendar): GraphReply {
    const badExpand = filterPropertyIdsProblem(req.query.get('$expand'));
    if (badExpand) return badExpand;
    const filterText = req.query.get('$filter');
    const badFilter = filterPropertyIdsProblem(filterText);
    if (badFilter) return badFilter;
    let list = [...ctx.pim.events.values()].filter((e) => e.calendarId === calendar.id);
    if (filterText) {
      const f = parseFilter(filterText);
      list = list.filter((e) => evaluate(f, this.eventJson(req, ctx, e, 'singleValueExtendedProperties')));
    }
    return page(
      req,
      list.map((e) => select(this.eventJson(req, ctx, e), req.query.get('$select'))),
      10,
      1000,
    );
  }

  private invite(
    ctx: Ctx,
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

  private createEvent(req: GraphRequest, ctx: Ctx, calendar: StandinCalendar): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const bad = checkBody('event', body, 'create');
    if (bad) return bad;
    const txn = typeof body.transactionId === 'string' ? body.transactionId : null;
    if (txn) {
      const existing = ctx.pim.events.get(ctx.pim.transactions.get(txn) ?? '');
      if (existing) return { status: 201, body: this.eventJson(req, ctx, existing) };
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
    };
    ctx.pim.events.set(ev.id, ev);
    if (txn) ctx.pim.transactions.set(txn, ev.id);
    this.invite(ctx, fields, ev.id, 'request');
    return { status: 201, body: this.eventJson(req, ctx, ev) };
  }

  private patchEvent(req: GraphRequest, ctx: Ctx, ev: StandinEvent): GraphReply {
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
    return { status: 200, body: this.eventJson(req, ctx, ev) };
  }

  private series(ev: StandinEvent) {
    const r = ev.fields.recurrence as PatternedRecurrence;
    const t = times(ev.fields) as Times;
    const zone = r.range.recurrenceTimeZone
      ? resolveZone(r.range.recurrenceTimeZone)!
      : zoneOf(ev.fields.start);
    return { r, zone, startLocal: utcToLocal(t.start, zone), duration: t.end - t.start };
  }

  /** Whether the series' pattern has an occurrence starting at `key` (edited or not, not cancelled). */
  private inSeries(ev: StandinEvent, key: string): boolean {
    if (!ev.fields.recurrence || ev.cancelled.has(key)) return false;
    const ms = keyToMs(key);
    const { r, zone, startLocal, duration } = this.series(ev);
    return expand(r, startLocal, zone, duration, ms - 1, ms + 1).some((o) => o.start === ms);
  }

  /** The instants of a series' occurrences overlapping [from, to), with exceptions and cancellations applied. */
  private occurrences(
    ev: StandinEvent,
    from: number,
    to: number,
  ): Array<{ key: string; start: number; end: number }> {
    if (!ev.fields.recurrence) return [];
    const { r, zone, startLocal, duration } = this.series(ev);
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

  private windowOf(req: GraphRequest): { from: number; to: number } | GraphReply {
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

  private instances(req: GraphRequest, ctx: Ctx, ev: StandinEvent): GraphReply {
    const w = this.windowOf(req);
    if (isReply(w)) return w;
    const list = this.occurrences(ev, w.from, w.to).map((o) => this.occurrenceJson(req, ctx, ev, o.key));
    return page(
      req,
      list.map((x) => select(x, req.query.get('$select'))),
      10,
      1000,
    );
  }

  private calendarView(req: GraphRequest, ctx: Ctx, calendar: StandinCalendar): GraphReply | null {
    if (req.method !== 'GET') return null;
    const w = this.windowOf(req);
    if (isReply(w)) return w;
    const items: Array<{ start: number; json: Record<string, unknown> }> = [];
    for (const ev of ctx.pim.events.values()) {
      if (ev.calendarId !== calendar.id) continue;
      if (ev.fields.recurrence) {
        for (const o of this.occurrences(ev, w.from, w.to))
          items.push({ start: o.start, json: this.occurrenceJson(req, ctx, ev, o.key) });
        continue;
      }
      const t = times(ev.fields) as Times;
      if (t.start < w.to && (t.end > w.from || (t.end === t.start && t.start >= w.from)))
        items.push({ start: t.start, json: this.eventJson(req, ctx, ev) });
    }
    items.sort((a, b) => a.start - b.start);
    let list = items.map((i) => i.json);
    const filterText = req.query.get('$filter');
    if (filterText) {
      const f = parseFilter(filterText);
      list = list.filter((x) => evaluate(f, x));
    }
    return page(
      req,
      list.map((x) => select(x, req.query.get('$select'))),
      10,
      1000,
    );
  }

  private occurrence(req: GraphRequest, ctx: Ctx, ev: StandinEvent, key: string): GraphReply | null {
    if (!this.inSeries(ev, key)) return notFound();
    if (req.method === 'GET')
      return { status: 200, body: select(this.occurrenceJson(req, ctx, ev, key), req.query.get('$select')) };
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
      return { status: 200, body: this.occurrenceJson(req, ctx, ev, key) };
    }
    return null;
  }

  private renderTimes(req: GraphRequest, t: Times): { start: unknown; end: unknown } {
    const out = outputZone(req);
    const as = (ms: number) => ({ dateTime: formatLocal(utcToLocal(ms, out.zone)), timeZone: out.name });
    return { start: as(t.start), end: as(t.end) };
  }

  private extendedJson(
    req: GraphRequest,
    extended: Map<string, StandinExtendedProperty>,
    out: Record<string, unknown>,
    expandOverride?: string,
  ): void {
    const expandText = expandOverride ?? req.query.get('$expand') ?? '';
    const ex = /singleValueExtendedProperties(?:\(\$filter=(.*)\))?/i.exec(expandText);
    if (!ex) return;
    let props = [...extended.values()];
    if (ex[1]) {
      const f = parseFilter(ex[1]);
      props = props.filter((p) => evaluate(f, p));
    }
    out.singleValueExtendedProperties = props;
  }

  eventJson(req: GraphRequest, ctx: Ctx, ev: StandinEvent, expandOverride?: string): Record<string, unknown> {
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
      uid: ev.iCalUId,
      reminderMinutesBeforeStart: 15,
      isReminderOn: true,
      hasAttachments: false,
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
      ...this.renderTimes(req, t),
    };
    if (f.transactionId === undefined) delete out.transactionId;
    this.extendedJson(req, ev.extended, out, expandOverride);
    return out;
  }

  occurrenceJson(req: GraphRequest, ctx: Ctx, ev: StandinEvent, key: string): Record<string, unknown> {
    const ex = ev.exceptions.get(key);
    const original = keyToMs(key);
    const master = this.eventJson(req, ctx, ev, '');
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
      ...this.renderTimes(req, t),
    };
    if (ex) out.lastModifiedDateTime = ex.lastModifiedDateTime;
    delete out.transactionId;
    this.extendedJson(req, ex?.extended ?? new Map(), out);
    return out;
  }
}
