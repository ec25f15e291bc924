import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { tableClient, type StorageSettings } from '../storage/clients';
import { escapeKey } from '../mail/state';

/**
 * The PIM copy's own tables, per mailbox:
 * - `pimcollections`: each source calendar / address book → its Graph calendar / contact folder id;
 * - `pimitems`: the item index, source item → target id(s) + the source version (ETag/ChangeKey)
 *   that was written, and `p` (a create may have gone out, outcome unknown) or `d` (done);
 * - `pimskipped`: what was not migrated, or only partly (a group, a broken file, an expanded
 *   series, extra e-mail addresses moved to the notes), with the reason.
 */
export const PIM_TABLES = {
  collections: 'pimcollections',
  items: 'pimitems',
  skipped: 'pimskipped',
} as const;

/** Table string properties hold at most 32K characters: target id lists are split across columns. */
const COLUMN_CHARS = 30_000;
const TABLE_BATCH = 100;

export const shortHash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 32);

export interface PimCollectionRow {
  sourceId: string;
  kind: 'calendar' | 'contacts';
  name: string;
  /** Graph calendar / contact folder id ('' = the user's default contacts folder). */
  targetId: string;
}

export interface PimItemRow {
  /** Source item id (href / ItemId). */
  sid: string;
  /** Source version written ('' while pending). */
  v: string;
  s: 'p' | 'd';
  /** What it became: one event/contact, an expanded series, or nothing (listed as skipped). */
  k: 'event' | 'series' | 'contact' | 'skip';
  /** Target ids: one for an event or a contact, one per instance for an expanded series. */
  t: string[];
}

export interface PimSkipped {
  collection: string;
  kind: 'event' | 'contact';
  item: string;
  /** What a person would call it (subject, name, file). */
  label: string;
  code: string;
  reason: string;
  /** true: not migrated at all; false: migrated with a loss (listed so nothing is silent). */
  whole: boolean;
  at: string;
}

const created = new Map<string, Promise<void>>();

function odata(s: string): string {
  return s.replace(/'/g, "''");
}

export class PimState {
  private readonly collections: TableClient;
  private readonly items: TableClient;
  private readonly skipped: TableClient;
  private readonly pk: string;

  constructor(
    private readonly storage: StorageSettings,
    mailboxKey: string,
  ) {
    this.collections = tableClient(storage, PIM_TABLES.collections);
    this.items = tableClient(storage, PIM_TABLES.items);
    this.skipped = tableClient(storage, PIM_TABLES.skipped);
    this.pk = escapeKey(mailboxKey);
  }

  async ready(): Promise<void> {
    const k = this.storage.connectionString;
    let p = created.get(k);
    if (!p) {
      p = Promise.all([
        this.collections.createTable(),
        this.items.createTable(),
        this.skipped.createTable(),
      ]).then(() => undefined);
      p.catch(() => created.delete(k));
      created.set(k, p);
    }
    await p;
  }

  async getCollection(sourceId: string): Promise<PimCollectionRow | undefined> {
    try {
      const r = await this.collections.getEntity<PimCollectionRow>(this.pk, shortHash(sourceId));
      return { sourceId: r.sourceId, kind: r.kind, name: r.name, targetId: r.targetId };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async putCollection(row: PimCollectionRow): Promise<void> {
    await this.collections.upsertEntity(
      { partitionKey: this.pk, rowKey: shortHash(row.sourceId), ...row },
      'Replace',
    );
  }

  private itemPk(collectionId: string): string {
    return `${this.pk}|${shortHash(collectionId)}`;
  }

  /** The whole index of one collection, by source item id. */
  async listItems(collectionId: string): Promise<Map<string, PimItemRow>> {
    const out = new Map<string, PimItemRow>();
    const rows = this.items.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${odata(this.itemPk(collectionId))}'` },
    });
    for await (const r of rows) {
      const parts: string[] = [];
      for (let i = 0; typeof r[`t${i}`] === 'string'; i++) parts.push(r[`t${i}`] as string);
      out.set(String(r.sid), {
        sid: String(r.sid),
        v: String(r.v ?? ''),
        s: r.s === 'd' ? 'd' : 'p',
        k: (r.k as PimItemRow['k']) ?? 'event',
        t: parts.length ? (JSON.parse(parts.join('')) as string[]) : [],
      });
    }
    return out;
  }

  async putItems(collectionId: string, rows: PimItemRow[]): Promise<void> {
    const pk = this.itemPk(collectionId);
    for (let i = 0; i < rows.length; i += TABLE_BATCH) {
      await this.items.submitTransaction(
        rows.slice(i, i + TABLE_BATCH).map((r) => {
          const json = JSON.stringify(r.t);
          const cols: Record<string, string> = {};
          for (let c = 0; c * COLUMN_CHARS < json.length; c++)
            cols[`t${c}`] = json.slice(c * COLUMN_CHARS, (c + 1) * COLUMN_CHARS);
          return [
            'upsert',
            { partitionKey: pk, rowKey: shortHash(r.sid), sid: r.sid, v: r.v, s: r.s, k: r.k, ...cols },
            'Replace',
          ];
        }),
      );
    }
  }

  async deleteItems(collectionId: string, sids: string[]): Promise<void> {
    const pk = this.itemPk(collectionId);
    for (let i = 0; i < sids.length; i += TABLE_BATCH) {
      await this.items.submitTransaction(
        sids.slice(i, i + TABLE_BATCH).map((sid) => ['delete', { partitionKey: pk, rowKey: shortHash(sid) }]),
      );
    }
  }

  async putSkipped(list: PimSkipped[]): Promise<void> {
    for (const s of list) {
      await this.skipped.upsertEntity(
        { partitionKey: this.pk, rowKey: shortHash(`${s.collection}\n${s.item}\n${s.code}`), ...s },
        'Replace',
      );
    }
  }

  /** Clears an item's listed skips (it changed on the source and is written again). */
  async clearSkipped(collection: string, item: string): Promise<void> {
    const rows = this.skipped.listEntities<PimSkipped>({
      queryOptions: {
        filter: `PartitionKey eq '${odata(this.pk)}' and item eq '${odata(item)}' and collection eq '${odata(collection)}'`,
      },
    });
    for await (const r of rows) await this.skipped.deleteEntity(this.pk, r.rowKey!).catch(() => undefined);
  }

  async listSkipped(): Promise<PimSkipped[]> {
    const out: PimSkipped[] = [];
    const rows = this.skipped.listEntities<PimSkipped>({
      queryOptions: { filter: `PartitionKey eq '${odata(this.pk)}'` },
    });
    try {
      await collect();
    } catch (e) {
      // No table yet: nothing was ever listed for any mailbox.
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    return out.sort((a, b) => a.collection.localeCompare(b.collection) || a.label.localeCompare(b.label));
    async function collect() {
      for await (const r of rows) {
        out.push({
          collection: r.collection,
          kind: r.kind,
          item: r.item,
          label: r.label,
          code: r.code,
          reason: r.reason,
          whole: r.whole,
          at: r.at,
        });
      }
    }
  }
}
