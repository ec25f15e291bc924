import type { StorageSettings } from '../storage/clients';
import type { GraphPimWriter, WriteWork } from './graph/writer';
import { PIM_LIMITS } from './limits';
import type { PimCollection, PimItemRef, PimSource } from './model';
import { PimState, type PimItemRow } from './state';

/**
 * One bounded step of the contacts-and-calendars copy of a mailbox. The first call lists the
 * source's calendars and address books; each later call writes at most one page of new or changed
 * items of one collection (compared by version with the item index) and records them, so a retried
 * call finds its work done or pending (and looks pending creates up by key) instead of repeating it.
 * A collection is done when nothing of it is new or changed; then, with mirrorDeletions, what the
 * source no longer has is removed from the target.
 */
export interface PimCopyContext {
  mailboxKey: string;
  storage: StorageSettings;
  openSource(): Promise<PimSource>;
  openWriter(): Promise<GraphPimWriter>;
  mirrorDeletions: boolean;
}

export interface PimCursor {
  /** Identifies this pass: an item that failed in it is not tried again until the next pass. */
  pass: string;
  collections: PimCollection[];
  index: number;
}

export interface PimChunkResult {
  done: boolean;
  cursor: PimCursor;
  events: number;
  contacts: number;
  /** Source items not migrated at all in this step (each listed with its reason). */
  skipped: number;
  deleted: number;
}

const failedVersion = (pass: string, version: string) => `failed:${pass}:${version}`;

function needsWork(ref: PimItemRef, row: PimItemRow | undefined, pass: string): boolean {
  if (!row) return true;
  if (row.v === failedVersion(pass, ref.version)) return false;
  return row.s === 'p' || row.v !== ref.version;
}

export async function copyPimChunk(
  ctx: PimCopyContext,
  cursor: PimCursor | undefined,
  pass: string,
): Promise<PimChunkResult> {
  const state = new PimState(ctx.storage, ctx.mailboxKey);
  await state.ready();
  const source = await ctx.openSource();
  try {
    if (!cursor) {
      const collections = await source.collections();
      return { ...NOTHING, done: collections.length === 0, cursor: { pass, collections, index: 0 } };
    }
    const collection = cursor.collections[cursor.index];
    if (!collection) return { ...NOTHING, done: true, cursor };
    const writer = await ctx.openWriter();
    const known = await knownCollection(state, writer, collection);
    const refs = await source.list(collection);
    const index = await state.listItems(collection.id);
    const todo = refs
      .filter((r) => needsWork(r, index.get(r.id), cursor.pass))
      .slice(0, PIM_LIMITS.itemsPerChunk);
    if (todo.length === 0) {
      const deleted = ctx.mirrorDeletions ? await mirrorGone(state, writer, collection, refs, index) : 0;
      const c: PimCursor = { ...cursor, index: cursor.index + 1 };
      return { ...NOTHING, done: c.index >= c.collections.length, cursor: c, deleted };
    }
    const step: CollectionStep = {
      state,
      writer,
      collection,
      targetId: known.targetId,
      index,
      pass: cursor.pass,
    };
    const outcome = await writePage(step, source, todo);
    return { ...NOTHING, done: false, cursor, ...outcome };
  } finally {
    await source.close();
  }
}

const NOTHING = { events: 0, contacts: 0, skipped: 0, deleted: 0 } as const;

interface CollectionStep {
  state: PimState;
  writer: GraphPimWriter;
  collection: PimCollection;
  targetId: string;
  index: Map<string, PimItemRow>;
  pass: string;
}

/** The collection's row, made (with its target container) the first time it is met. */
async function knownCollection(state: PimState, writer: GraphPimWriter, collection: PimCollection) {
  const known = await state.getCollection(collection.id);
  if (known) return known;
  const made = {
    sourceId: collection.id,
    kind: collection.kind,
    name: collection.displayName,
    targetId: await writer.containerFor(collection),
  };
  await state.putCollection(made);
  return made;
}

/** mirrorDeletions: removes from the target what the source no longer has; returns how many items. */
async function mirrorGone(
  state: PimState,
  writer: GraphPimWriter,
  collection: PimCollection,
  refs: readonly PimItemRef[],
  index: Map<string, PimItemRow>,
): Promise<number> {
  const present = new Set(refs.map((r) => r.id));
  const gone = [...index.values()].filter((row) => !present.has(row.sid));
  if (!gone.length) return 0;
  await writer.remove(
    collection,
    gone.flatMap((g) => g.t),
  );
  await state.deleteItems(
    collection.id,
    gone.map((g) => g.sid),
  );
  return gone.filter((g) => g.k !== 'skip').length;
}

/** Fetches one page of new or changed items, writes them and records what happened to each. */
async function writePage(
  step: CollectionStep,
  source: PimSource,
  todo: readonly PimItemRef[],
): Promise<Pick<PimChunkResult, 'events' | 'contacts' | 'skipped'>> {
  const { state, collection, index, pass } = step;
  const fetched = await source.fetch(collection, [...todo]);
  // Before anything goes out: a brand-new item is pending, so a lost answer is looked up, not repeated.
  const fresh = fetched.filter((f) => !index.has(f.ref.id));
  await state.putItems(
    collection.id,
    fresh.map((f) => ({
      sid: f.ref.id,
      v: '',
      s: 'p',
      k: f.item.kind === 'contact' ? 'contact' : 'event',
      t: [],
    })),
  );
  // Fresh items had no request out before this call: nothing to look up (a retry of this call finds them pending).
  const work: WriteWork[] = fetched.map((f) => ({ fetched: f, existing: index.get(f.ref.id) }));
  for (const w of work)
    if (w.existing && !fresh.includes(w.fetched))
      await state.clearSkipped(collection.displayName, w.fetched.ref.id);
  const outcome = await step.writer.write(collection, step.targetId, work);
  const byId = new Map(fetched.map((f) => [f.ref.id, f.ref.version]));
  await state.putItems(
    collection.id,
    outcome.rows.map((r) => (r.s === 'p' ? { ...r, v: failedVersion(pass, byId.get(r.sid) ?? '') } : r)),
  );
  await state.putSkipped(outcome.skipped);
  // Listed but not fetched (gone meanwhile): marked so this pass does not ask for them again.
  const missing = todo.filter((r) => !byId.has(r.id));
  if (missing.length) {
    await state.putItems(
      collection.id,
      missing.map((r) => ({
        ...(index.get(r.id) ?? { sid: r.id, s: 'p' as const, k: 'skip' as const, t: [] }),
        v: failedVersion(pass, r.version),
      })),
    );
  }
  return { events: outcome.events, contacts: outcome.contacts, skipped: outcome.itemsSkipped };
}
