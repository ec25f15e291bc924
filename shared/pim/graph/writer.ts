import type { BatchRequest, BatchResult, GraphClient } from '../../graph';
import type { PimCollection } from '../model';
import { shortHash } from '../state';
import { applyExceptions } from './exceptions';
import { writeExtras } from './extras';
import {
  labelOf,
  PIM_KEY_PROPERTY,
  planItem,
  type Planned,
  type Skip,
  type WriteOutcome,
  type WriteWork,
} from './plan';
import type { WriterRounds } from './rounds';

export { PIM_KEY_PROPERTY, type WriteOutcome, type WriteWork } from './plan';

/**
 * Writes neutral events and contacts into one Microsoft 365 mailbox through Graph, a page at a
 * time, in `$batch` rounds (creates, then instance look-ups, then instance edits), so a page of a
 * hundred items costs a handful of HTTP requests. Every created item carries its source key in a
 * single-value extended property (events also as `transactionId`), so an outcome lost on the way
 * back is found again instead of created twice. What to do with each item is decided first
 * (plan.ts); edited occurrences (exceptions.ts) and attachments and photos (extras.ts) come last.
 */
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
    const skip: Skip = (w, label, code, reason, whole) =>
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
    const plans = work.map((w) =>
      planItem(collection, w, this.itemKey(collection, w.fetched.ref.id), skip, out),
    );
    // Round 1: a create whose outcome was lost (pending row) is looked up by its key, never repeated blindly.
    await this.resolvePending(collection, container, plans);
    // Round 2: removals (rewritten series, items that became skips) and updates in place.
    await this.removeAndUpdate(collection, plans);
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
    await applyExceptions(this.rounds(), plans, skip);
    // Round 5: attachments and photos, one request each (binary or large bodies).
    await writeExtras(this.rounds(), collection, plans, skip);
    for (const p of plans) recordOutcome(p, out, skip);
    return out;
  }

  private async removeAndUpdate(collection: PimCollection, plans: Planned[]): Promise<void> {
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
  }

  private rounds(): WriterRounds {
    return {
      client: this.client,
      user: this.user,
      itemPath: (collection, id) => this.itemPath(collection, id),
      runRound: (list, onResult) => this.runRound(list, onResult),
    };
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

/** The index row of a written plan: done with its target ids, or pending (tried again next pass). */
function recordOutcome(p: Planned, out: WriteOutcome, skip: Skip): void {
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
    return;
  }
  out.rows.push({ sid: p.work.fetched.ref.id, v: p.work.fetched.ref.version, s: 'd', k: p.kind, t: ids });
  if (p.kind === 'contact') out.contacts++;
  else if (p.kind === 'event' || p.kind === 'series') out.events++;
}
