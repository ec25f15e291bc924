import type { BatchRequest, BatchResult, GraphClient } from '../../graph';
import { PIM_LIMITS } from '../limits';
import type { PimAttachment, PimCollection, PimContact, PimEvent, PimFetched } from '../model';
import { expandOccurrences, RecurrenceError, toGraphRecurrence } from '../recurrence';
import { shortHash, type PimItemRow, type PimSkipped } from '../state';
import { wallClockToUtc } from '../timeZones';
import { contactBody } from './contactBody';
import { eventBody, eventFields, peopleLines, UnknownZoneError, type GraphEventBody } from './eventBody';

/**
 * Writes neutral events and contacts into one Microsoft 365 mailbox through Graph, a page at a
 * time, in `$batch` rounds (creates, then instance look-ups, then instance edits), so a page of a
 * hundred items costs a handful of HTTP requests. Every created item carries its source key in a
 * single-value extended property (events also as `transactionId`), so an outcome lost on the way
 * back is found again instead of created twice.
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

interface Planned {
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

const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
const keyFilter = (key: string) =>
  encodeURIComponent(
    `singleValueExtendedProperties/Any(ep: ep/id eq ${quote(PIM_KEY_PROPERTY)} and ep/value eq ${quote(key)})`,
  );

export class GraphPimWriter {
  private readonly user: string;

  constructor(
    private readonly client: GraphClient,
    userId: string,
    private readonly mailboxKey: string,
  ) {
    this.user = `/users/${encodeURIComponent(userId)}`;
  }

  /** The Graph calendar or contact folder for a source collection: the default one, or one by name. */
  async containerFor(collection: PimCollection): Promise<string> {
    if (collection.kind === 'calendar') {
      if (collection.isDefault)
        return (await this.client.get<{ id: string }>(`${this.user}/calendar?$select=id`)).id;
      const calendars = await this.client.all<{ id: string; name: string }>(
        `${this.user}/calendars?$select=id,name`,
      );
      const found = calendars.find((c) => c.name.toLowerCase() === collection.displayName.toLowerCase());
      if (found) return found.id;
      return (
        await this.client.post<{ id: string }>(`${this.user}/calendars`, { name: collection.displayName })
      ).id;
    }
    if (collection.isDefault) return '';
    const folders = await this.client.all<{ id: string; displayName: string }>(
      `${this.user}/contactFolders?$select=id,displayName`,
    );
    const found = folders.find((f) => f.displayName.toLowerCase() === collection.displayName.toLowerCase());
    if (found) return found.id;
    return (
      await this.client.post<{ id: string }>(`${this.user}/contactFolders`, {
        displayName: collection.displayName,
      })
    ).id;
  }

  private itemsPath(collection: PimCollection, container: string): string {
    if (collection.kind === 'calendar')
      return `${this.user}/calendars/${encodeURIComponent(container)}/events`;
    return container
      ? `${this.user}/contactFolders/${encodeURIComponent(container)}/contacts`
      : `${this.user}/contacts`;
  }

  private itemPath(collection: PimCollection, id: string): string {
    return collection.kind === 'calendar'
      ? `${this.user}/events/${encodeURIComponent(id)}`
      : `${this.user}/contacts/${encodeURIComponent(id)}`;
  }

  itemKey(collection: PimCollection, sourceId: string): string {
    return shortHash(`${this.mailboxKey}\n${collection.id}\n${sourceId}`);
  }

  async write(collection: PimCollection, container: string, work: WriteWork[]): Promise<WriteOutcome> {
    const out: WriteOutcome = { rows: [], skipped: [], events: 0, contacts: 0, itemsSkipped: 0 };
    const skip = (w: WriteWork, label: string, code: string, reason: string, whole: boolean) =>
      out.skipped.push({
        collection: collection.displayName,
        kind: collection.kind === 'calendar' ? 'event' : 'contact',
        item: w.fetched.ref.id,
        label,
        code,
        reason,
        whole,
        at: new Date().toISOString(),
      });
    const plans: Planned[] = [];
    for (const w of work) {
      const item = w.fetched.item;
      const key = this.itemKey(collection, w.fetched.ref.id);
      if (item.kind === 'unsupported') {
        skip(w, item.label, item.code, item.message, true);
        out.itemsSkipped++;
        // Whatever an earlier version became on the target goes: the source no longer has it as such.
        plans.push({
          work: w,
          key,
          creates: [],
          kind: 'skip',
          keep: [],
          remove: w.existing?.t ?? [],
          createdIds: [],
        });
        continue;
      }
      if ((item.kind === 'event') !== (collection.kind === 'calendar')) {
        skip(
          w,
          w.fetched.ref.id,
          'PIM_WRONG_KIND',
          `a ${item.kind} in ${collection.kind === 'calendar' ? 'a calendar' : 'an address book'}: not migrated`,
          true,
        );
        out.itemsSkipped++;
        plans.push({ work: w, key, creates: [], kind: 'skip', keep: [], remove: [], createdIds: [] });
        continue;
      }
      try {
        plans.push(
          item.kind === 'event' ? this.planEvent(w, key, item, skip) : this.planContact(w, key, item, skip),
        );
      } catch (e) {
        if (e instanceof RecurrenceError) {
          const label = item.kind === 'event' ? item.subject : w.fetched.ref.id;
          skip(
            w,
            label,
            'PIM_RECURRENCE_INVALID',
            `"${label}": its repeat rule is not valid iCalendar (${e.message}); fix the series on the source and run an incremental pass.`,
            true,
          );
          out.itemsSkipped++;
          plans.push({
            work: w,
            key,
            creates: [],
            kind: 'skip',
            keep: [],
            remove: w.existing?.t ?? [],
            createdIds: [],
          });
          continue;
        }
        if (!(e instanceof UnknownZoneError)) throw e;
        const label = item.kind === 'event' ? item.subject : (item.displayName ?? w.fetched.ref.id);
        skip(
          w,
          label,
          'PIM_UNKNOWN_TIME_ZONE',
          `"${label}": time zone "${e.zone}" has no Windows equivalent; give the item an IANA zone on the source and run an incremental pass.`,
          true,
        );
        out.itemsSkipped++;
        plans.push({
          work: w,
          key,
          creates: [],
          kind: 'skip',
          keep: [],
          remove: w.existing?.t ?? [],
          createdIds: [],
        });
      }
    }

    // Round 1: a create whose outcome was lost (pending row) is looked up by its key, never repeated blindly.
    await this.resolvePending(collection, container, plans);
    // Round 2: removals (rewritten series, items that became skips) and updates in place.
    await this.runRound(
      plans.flatMap((p) =>
        p.remove.map((id) => ({
          plan: p,
          req: { method: 'DELETE' as const, url: this.itemPath(collection, id) },
        })),
      ),
      (p, r) => {
        if (r.error && r.status !== 404) p.failed = r.error.message;
      },
    );
    await this.runRound(
      plans
        .filter((p) => p.patch && p.keep.length)
        .map((p) => ({
          plan: p,
          req: { method: 'PATCH' as const, url: this.itemPath(collection, p.keep[0]!), body: p.patch },
        })),
      (p, r) => {
        if (r.status === 404) {
          // Deleted on the target since: create it again.
          p.keep = [];
          p.creates = [{ key: p.key, body: p.patch! }];
        } else if (r.error) p.failed = r.error.message;
      },
    );
    // Round 3: creates.
    const path = this.itemsPath(collection, container);
    await this.runRound(
      plans.flatMap((p) =>
        p.creates.map((c) => ({ plan: p, req: { method: 'POST' as const, url: path, body: c.body } })),
      ),
      (p, r) => {
        const id = (r.body as { id?: string } | null)?.id;
        if (!r.error && id) p.createdIds.push(id);
        else p.failed = r.error?.message ?? 'no id in the answer';
      },
    );
    // Round 4: edited and cancelled occurrences of the series just written.
    await this.applyExceptions(plans, skip);
    // Round 5: attachments and photos, one request each (binary or large bodies).
    await this.writeExtras(collection, plans, skip);

    for (const p of plans) {
      const ids = [...p.keep, ...p.createdIds];
      if (p.failed) {
        // The index keeps it pending: the next call looks it up by key and finishes it.
        skip(
          p.work,
          labelOf(p),
          'PIM_WRITE_FAILED',
          `Graph refused it: ${p.failed}; it is tried again on the next pass.`,
          true,
        );
        out.itemsSkipped++;
        out.rows.push({ sid: p.work.fetched.ref.id, v: '', s: 'p', k: p.kind, t: ids });
        continue;
      }
      out.rows.push({ sid: p.work.fetched.ref.id, v: p.work.fetched.ref.version, s: 'd', k: p.kind, t: ids });
      if (p.kind === 'contact') out.contacts++;
      else if (p.kind === 'event' || p.kind === 'series') out.events++;
    }
    return out;
  }

  private planEvent(
    w: WriteWork,
    key: string,
    event: PimEvent,
    skip: (w: WriteWork, label: string, code: string, reason: string, whole: boolean) => void,
  ): Planned {
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
    const tag = (k: string) => ({
      transactionId: k,
      singleValueExtendedProperties: [{ id: PIM_KEY_PROPERTY, value: k }],
    });
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
    // Graph cannot say this rule: single events, one per occurrence, each keyed by its start.
    plan.kind = 'series';
    plan.remove = w.existing?.t ?? [];
    const { starts, more } = expandOccurrences(event, PIM_LIMITS.maxExpandedInstances);
    const people = peopleLines(event);
    const overrides = new Map(event.exceptions.map((x) => [x.originalStart.slice(0, 19), x]));
    const duration = naiveMs(event.end.dateTime) - naiveMs(event.start.dateTime);
    for (const start of starts) {
      const override =
        overrides.get(start) ??
        (event.isAllDay ? overrides.get(start.slice(0, 10) + 'T00:00:00') : undefined);
      const fields = override ?? {
        ...event,
        start: { dateTime: start, timeZone: event.start.timeZone },
        end: { dateTime: naiveIso(naiveMs(start) + duration), timeZone: event.end.timeZone },
      };
      const k = `${key}#${start}`;
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
    skip(
      w,
      event.subject,
      'PIM_SERIES_EXPANDED',
      `expanded: ${mapping && !mapping.ok ? mapping.reason : 'not a Graph pattern'}; migrated as ${starts.length} single events`,
      false,
    );
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

  private planContact(
    w: WriteWork,
    key: string,
    contact: PimContact,
    skip: (w: WriteWork, label: string, code: string, reason: string, whole: boolean) => void,
  ): Planned {
    const { body, overflow } = contactBody(contact);
    const label =
      contact.displayName ??
      [contact.givenName, contact.surname].filter(Boolean).join(' ') ??
      w.fetched.ref.id;
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

  /** Pending rows: find what the lost create made (by key); a found single item is kept and updated. */
  private async resolvePending(
    collection: PimCollection,
    container: string,
    plans: Planned[],
  ): Promise<void> {
    const pending = plans.filter((p) => p.work.existing?.s === 'p');
    if (pending.length === 0) return;
    const path = this.itemsPath(collection, container);
    const lookups = pending.flatMap((p) => {
      const keys = p.kind === 'series' ? p.creates.map((c) => c.key) : [p.key];
      return keys.map((k) => ({
        plan: p,
        req: { method: 'GET' as const, url: `${path}?$filter=${keyFilter(k)}&$select=id` },
      }));
    });
    await this.runRound(lookups, (p, r) => {
      const found = ((r.body as { value?: Array<{ id: string }> } | null)?.value ?? []).map((v) => v.id);
      if (r.error) p.failed = r.error.message;
      else if (p.kind === 'series') p.remove.push(...found);
      else if (found.length && p.creates.length) {
        // Keep the first, remove any extra, and bring it up to date in place.
        const [first, ...extra] = found;
        p.keep = [first!];
        p.remove.push(...extra);
        const { transactionId: _t, singleValueExtendedProperties: _s, ...rest } = p.creates[0]!.body;
        p.patch = rest;
        p.creates = [];
      }
    });
  }

  private async applyExceptions(
    plans: Planned[],
    skip: (w: WriteWork, label: string, code: string, reason: string, whole: boolean) => void,
  ): Promise<void> {
    const jobs: Array<{
      plan: Planned;
      masterId: string;
      originalStart: string;
      edit?: PimEvent['exceptions'][number];
    }> = [];
    for (const p of plans) {
      const e = p.event;
      if (!e || p.kind !== 'event' || !e.rrule || p.failed) continue;
      const masterId = p.keep[0] ?? p.createdIds[0];
      if (!masterId) continue;
      for (const x of e.exceptions) jobs.push({ plan: p, masterId, originalStart: x.originalStart, edit: x });
      for (const d of e.exdates ?? []) jobs.push({ plan: p, masterId, originalStart: d });
    }
    if (jobs.length === 0) return;
    const hours = PIM_LIMITS.instanceWindowHours * 3_600_000;
    const found: Array<string | undefined> = new Array(jobs.length);
    await this.runRound(
      jobs.map((j, i) => {
        const at = wallClockToUtc(j.originalStart, j.plan.event!.start.timeZone).getTime();
        const from = new Date(at - hours).toISOString();
        const to = new Date(at + hours).toISOString();
        return {
          plan: j.plan,
          index: i,
          req: {
            method: 'GET' as const,
            url: `${this.user}/events/${encodeURIComponent(j.masterId)}/instances?startDateTime=${from}&endDateTime=${to}&$select=id,start,originalStart`,
          },
        };
      }),
      (p, r, i) => {
        const j = jobs[i!]!;
        const list =
          (
            r.body as {
              value?: Array<{
                id: string;
                start?: { dateTime: string; timeZone: string };
                originalStart?: string;
              }>;
            } | null
          )?.value ?? [];
        const target = wallClockToUtc(j.originalStart, p.event!.start.timeZone).getTime();
        const match = list.find((inst) => {
          if (p.event!.isAllDay)
            return (inst.start?.dateTime ?? '').slice(0, 10) === j.originalStart.slice(0, 10);
          if (inst.originalStart && Date.parse(inst.originalStart) === target) return true;
          const s = inst.start;
          return s ? wallClockToUtc(s.dateTime, s.timeZone).getTime() === target : false;
        });
        found[i!] = match?.id;
      },
    );
    const people = new Map<Planned, string[]>();
    const edits = jobs.flatMap((j, i) => {
      const id = found[i];
      if (!id) {
        // EXDATE or RECURRENCE-ID that is no occurrence of the rule: nothing on the target to change.
        if (j.edit)
          skip(
            j.plan.work,
            j.plan.event!.subject,
            'PIM_EXCEPTION_UNMATCHED',
            `the edited occurrence of ${j.originalStart} is no occurrence of the series; left as the series has it`,
            false,
          );
        return [];
      }
      if (!people.has(j.plan)) people.set(j.plan, peopleLines(j.plan.event!));
      return [
        {
          plan: j.plan,
          req: j.edit
            ? {
                method: 'PATCH' as const,
                url: `${this.user}/events/${encodeURIComponent(id)}`,
                body: eventFields(j.edit, people.get(j.plan)!),
              }
            : { method: 'DELETE' as const, url: `${this.user}/events/${encodeURIComponent(id)}` },
        },
      ];
    });
    await this.runRound(edits, (p, r) => {
      if (r.error && r.status !== 404) p.failed = r.error.message;
    });
  }

  private async writeExtras(
    collection: PimCollection,
    plans: Planned[],
    skip: (w: WriteWork, label: string, code: string, reason: string, whole: boolean) => void,
  ): Promise<void> {
    for (const p of plans) {
      if (p.failed) continue;
      if (p.event && p.event.attachments.length) {
        const ids =
          p.kind === 'series'
            ? [...p.keep, ...p.createdIds]
            : [p.keep[0] ?? p.createdIds[0]].filter((x): x is string => Boolean(x));
        // Updated in place: attachments written before are already there.
        if (p.keep.length && !p.createdIds.length) continue;
        for (const a of p.event.attachments) {
          const problem = attachmentProblem(a);
          if (problem) {
            skip(
              p.work,
              p.event.subject,
              'PIM_ATTACHMENT_SKIPPED',
              `attachment "${a.name}" ${problem}`,
              false,
            );
            continue;
          }
          try {
            for (const id of ids) {
              await this.client.post(`${this.user}/events/${encodeURIComponent(id)}/attachments`, {
                '@odata.type': '#microsoft.graph.fileAttachment',
                name: a.name,
                contentType: a.contentType,
                contentBytes: a.contentBase64,
              });
            }
          } catch (e) {
            // The event is there; the attachment is listed rather than failing the event.
            skip(
              p.work,
              p.event.subject,
              'PIM_ATTACHMENT_SKIPPED',
              `attachment "${a.name}" was refused: ${(e as Error).message}`,
              false,
            );
          }
        }
      }
      if (p.contact?.photo) {
        const id = p.keep[0] ?? p.createdIds[0];
        if (!id) continue;
        const bytes = Buffer.from(p.contact.photo.contentBase64, 'base64');
        if (bytes.length > PIM_LIMITS.maxPhotoBytes) {
          skip(
            p.work,
            p.contact.displayName ?? p.key,
            'PIM_PHOTO_SKIPPED',
            `the photo is ${bytes.length} bytes, over Exchange's 4 MB`,
            false,
          );
          continue;
        }
        await this.client.request('PUT', `${this.itemPath(collection, id)}/photo/$value`, {
          body: bytes,
          headers: { 'content-type': p.contact.photo.contentType },
        });
      }
    }
  }

  /** Removes target items (mirrored deletions); ones already gone are fine. */
  async remove(collection: PimCollection, ids: string[]): Promise<void> {
    const results = await this.client.batch(
      ids.map((id) => ({ method: 'DELETE' as const, url: this.itemPath(collection, id) })),
    );
    const failed = results.find((r) => r.error && r.status !== 404);
    if (failed?.error) throw failed.error;
  }

  /** One `$batch` round; `onResult` sees each answer with its plan. */
  private async runRound(
    list: Array<{ plan: Planned; req: BatchRequest; index?: number }>,
    onResult: (plan: Planned, result: BatchResult, index?: number) => void,
  ): Promise<void> {
    if (list.length === 0) return;
    const results = await this.client.batch(list.map((l) => l.req));
    results.forEach((r, i) => onResult(list[i]!.plan, r, list[i]!.index));
  }
}

function attachmentProblem(a: PimAttachment): string | undefined {
  if (a.size > PIM_LIMITS.maxInlineAttachmentBytes) {
    return `is ${(a.size / 1024 / 1024).toFixed(1)} MB, over the ${PIM_LIMITS.maxInlineAttachmentBytes / 1024 / 1024} MB an event attachment may have here; attach it again by hand in Outlook`;
  }
  if (!a.contentBase64) return 'could not be read from the source';
  return undefined;
}

function labelOf(p: Planned): string {
  return p.event?.subject ?? p.contact?.displayName ?? p.work.fetched.ref.id;
}

function naiveMs(dateTime: string): number {
  return Date.parse(`${dateTime.slice(0, 19)}Z`);
}
function naiveIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
