import { PIM_LIMITS } from '../limits';
import type { PimCollection, PimContact, PimEvent, PimFetched } from '../model';
import { expandOccurrences, RecurrenceError, toGraphRecurrence } from '../recurrence';
import { shortHash, type PimItemRow, type PimSkipped } from '../state';
import { contactBody } from './contactBody';
import { eventBody, eventFields, peopleLines, UnknownZoneError, type GraphEventBody } from './eventBody';

/**
 * What the Graph writer does with each source item, decided before any request: create, update in
 * place, rewrite (remove, then create), expand a series Graph cannot say into single events, or skip
 * it with a reason. Every create carries the item's key (see PIM_KEY_PROPERTY).
 */
export const PIM_KEY_PROPERTY = 'String {5b0c5d1e-8a7f-4a43-9f3e-6d2b8a1c4e70} Name mailferryPimKey';

export interface WriteWork {
  fetched: PimFetched;
  /** The index row, when the item was written (or attempted) before. */
  existing?: PimItemRow;
}

export interface WriteOutcome {
  rows: PimItemRow[];
  skipped: PimSkipped[];
  events: number;
  contacts: number;
  /** Source items not migrated at all (listed in `skipped`). */
  itemsSkipped: number;
}

export interface Planned {
  work: WriteWork;
  key: string;
  /** One create per target item: an event, an instance of an expanded series, or a contact. */
  creates: Array<{ key: string; body: Record<string, unknown>; originalStart?: string }>;
  kind: PimItemRow['k'];
  /** Target ids that stay (an updated event or contact). */
  keep: string[];
  /** Target ids to remove before creating (a series rewritten, a pending create found). */
  remove: string[];
  patch?: Record<string, unknown>;
  event?: PimEvent;
  contact?: PimContact;
  createdIds: string[];
  failed?: string;
}

/** Lists an item (or a part of it, `whole` false) as not migrated, with its reason. */
export type Skip = (w: WriteWork, label: string, code: string, reason: string, whole: boolean) => void;

/** A plan that writes nothing and removes what an earlier version of the item became on the target. */
function skipPlan(w: WriteWork, key: string, removeEarlier: boolean): Planned {
  const remove = removeEarlier ? (w.existing?.t ?? []) : [];
  return { work: w, key, creates: [], kind: 'skip', keep: [], remove, createdIds: [] };
}

/** The plan of one source item; items skipped whole are counted in `out.itemsSkipped`. */
export function planItem(
  collection: PimCollection,
  w: WriteWork,
  key: string,
  skip: Skip,
  out: WriteOutcome,
): Planned {
  const item = w.fetched.item;
  const skipWhole = (label: string, code: string, reason: string, removeEarlier: boolean) => {
    skip(w, label, code, reason, true);
    out.itemsSkipped++;
    return skipPlan(w, key, removeEarlier);
  };
  // Whatever an earlier version became on the target goes: the source no longer has it as such.
  if (item.kind === 'unsupported') return skipWhole(item.label, item.code, item.message, true);
  if ((item.kind === 'event') !== (collection.kind === 'calendar')) {
    const where = collection.kind === 'calendar' ? 'a calendar' : 'an address book';
    return skipWhole(w.fetched.ref.id, 'PIM_WRONG_KIND', `a ${item.kind} in ${where}: not migrated`, false);
  }
  try {
    return item.kind === 'event' ? planEvent(w, key, item, skip) : planContact(w, key, item, skip);
  } catch (e) {
    if (e instanceof RecurrenceError) {
      const label = item.kind === 'event' ? item.subject : w.fetched.ref.id;
      const reason = `"${label}": its repeat rule is not valid iCalendar (${e.message}); fix the series on the source and run an incremental pass.`;
      return skipWhole(label, 'PIM_RECURRENCE_INVALID', reason, true);
    }
    if (!(e instanceof UnknownZoneError)) throw e;
    const label = item.kind === 'event' ? item.subject : (item.displayName ?? w.fetched.ref.id);
    const reason = `"${label}": time zone "${e.zone}" has no Windows equivalent; give the item an IANA zone on the source and run an incremental pass.`;
    return skipWhole(label, 'PIM_UNKNOWN_TIME_ZONE', reason, true);
  }
}

const tag = (k: string) => ({
  transactionId: k,
  singleValueExtendedProperties: [{ id: PIM_KEY_PROPERTY, value: k }],
});

function planEvent(w: WriteWork, key: string, event: PimEvent, skip: Skip): Planned {
  const plan: Planned = {
    work: w,
    key,
    creates: [],
    kind: 'event',
    keep: [],
    remove: [],
    createdIds: [],
    event,
  };
  const recurring = Boolean(event.rrule || event.rdates?.length);
  const mapping = recurring ? toGraphRecurrence(event) : undefined;
  if (!recurring || mapping?.ok) {
    const body: GraphEventBody = eventBody(event, mapping?.ok ? mapping.recurrence : undefined);
    const existing = w.existing?.s === 'd' && w.existing.k === 'event' ? w.existing.t[0] : undefined;
    if (existing) {
      plan.keep = [existing];
      plan.patch = { ...body, recurrence: body.recurrence ?? null };
    } else {
      plan.remove = w.existing?.t ?? [];
      plan.creates = [{ key, body: { ...body, ...tag(key) } }];
    }
    return plan;
  }
  return planExpandedSeries(plan, mapping && !mapping.ok ? mapping.reason : 'not a Graph pattern', skip);
}

/** Graph cannot say this rule: single events, one per occurrence, each keyed by its start. */
function planExpandedSeries(plan: Planned, why: string, skip: Skip): Planned {
  const event = plan.event!;
  const w = plan.work;
  plan.kind = 'series';
  plan.remove = w.existing?.t ?? [];
  const { starts, more } = expandOccurrences(event, PIM_LIMITS.maxExpandedInstances);
  const people = peopleLines(event);
  const overrides = new Map(event.exceptions.map((x) => [x.originalStart.slice(0, 19), x]));
  const duration = naiveMs(event.end.dateTime) - naiveMs(event.start.dateTime);
  for (const start of starts) {
    const override =
      overrides.get(start) ?? (event.isAllDay ? overrides.get(start.slice(0, 10) + 'T00:00:00') : undefined);
    const fields = override ?? {
      ...event,
      start: { dateTime: start, timeZone: event.start.timeZone },
      end: { dateTime: naiveIso(naiveMs(start) + duration), timeZone: event.end.timeZone },
    };
    const k = `${plan.key}#${start}`;
    plan.creates.push({
      key: k,
      originalStart: start,
      body: {
        ...eventFields(fields, people),
        attendees: [],
        ...tag(shortHash(k)),
        singleValueExtendedProperties: [{ id: PIM_KEY_PROPERTY, value: k }],
      },
    });
  }
  const expanded = `expanded: ${why}; migrated as ${starts.length} single events`;
  skip(w, event.subject, 'PIM_SERIES_EXPANDED', expanded, false);
  if (more) {
    skip(
      w,
      event.subject,
      'PIM_SERIES_TOO_LONG',
      `the series has more than ${PIM_LIMITS.maxExpandedInstances} occurrences; the first ${PIM_LIMITS.maxExpandedInstances} were migrated, the rest not: recreate it as a simpler rule in Outlook`,
      false,
    );
  }
  return plan;
}

function planContact(w: WriteWork, key: string, contact: PimContact, skip: Skip): Planned {
  const { body, overflow } = contactBody(contact);
  const label =
    contact.displayName ?? [contact.givenName, contact.surname].filter(Boolean).join(' ') ?? w.fetched.ref.id;
  for (const o of overflow) skip(w, label, 'PIM_CONTACT_FIELDS_MOVED', o, false);
  const plan: Planned = {
    work: w,
    key,
    creates: [],
    kind: 'contact',
    keep: [],
    remove: [],
    createdIds: [],
    contact,
  };
  const existing = w.existing?.s === 'd' && w.existing.k === 'contact' ? w.existing.t[0] : undefined;
  if (existing) {
    plan.keep = [existing];
    plan.patch = { ...body };
  } else {
    plan.remove = w.existing?.t ?? [];
    plan.creates = [
      { key, body: { ...body, singleValueExtendedProperties: [{ id: PIM_KEY_PROPERTY, value: key }] } },
    ];
  }
  return plan;
}

export function labelOf(p: Planned): string {
  return p.event?.subject ?? p.contact?.displayName ?? p.work.fetched.ref.id;
}

function naiveMs(dateTime: string): number {
  return Date.parse(`${dateTime.slice(0, 19)}Z`);
}
function naiveIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
