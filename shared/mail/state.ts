import { createHash } from 'node:crypto';
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { tableClient, type StorageSettings } from '../storage/clients';
import { INDEX_BUCKET_UIDS, TABLE_BATCH } from './limits';
import { MailError, MailErrorCode } from './errors';

/**
 * The engine's own tables, one per concept:
 * - `mailfolders`: per mailbox and source folder, the checkpoint (UIDVALIDITY, last UID copied,
 *   the MODSEQ up to which flags are in sync) and running statistics;
 * - `mailitems`: the item index, (folder, UIDVALIDITY, UID) → state (pending/done), target id,
 *   fingerprint and flags; row = zero-padded UID, partition = one folder generation and one bucket
 *   of INDEX_BUCKET_UIDS UIDs. Buckets keep every partition small, so writing a row never costs more
 *   as the folder grows (a store that looks a row up within its partition, as Azurite does on every
 *   upsert, would otherwise slow down with each chunk), and a chunk's range query reads one or two
 *   partitions. Folders planned before buckets existed keep one partition per generation
 *   (`indexLayout` 0);
 * - `mailskipped`: items not copied (too large, refused), with what an administrator needs to find them.
 */
export const MAIL_TABLES = { folders: 'mailfolders', items: 'mailitems', skipped: 'mailskipped' } as const;

export interface FolderState {
  /** Stable id of the folder's item index; survives a rename on the source. */
  fid: string;
  source: string;
  target: string;
  uidValidity: string;
  lastUid: number;
  /** Highest UID whose APPEND may have been sent: above lastUid and without a done row = suspect. */
  inflight: number;
  /** Flags are in sync up to this MODSEQ ('' when the server has no CONDSTORE). */
  modseq: string;
  uidNext: number;
  messages: number;
  initialDone: boolean;
  itemsSynced: number;
  bytesSynced: number;
  itemsSkipped: number;
  bytesSkipped: number;
  itemsFailed: number;
  /** The date filter (filters.ts filterKey) the folder's messages were last scanned with. */
  filterKey: string;
  /**
   * Rescan after the filter changed: UIDs in (rescanUid, rescanEnd] are looked at again (rescanEnd 0:
   * none); rescanInflight is the rescan's own in-flight mark (see copy.ts).
   */
  rescanUid: number;
  rescanEnd: number;
  rescanInflight: number;
  /** Bytes in the source folder at the last look (STATUS SIZE; 0 when the server does not say). */
  sourceBytes: number;
  /** How the folder's item index is keyed: 0 one partition per generation (older rows), 1 bucketed. */
  indexLayout: number;
  /** While re-syncing after a UIDVALIDITY change: the old generation, whose copies are reused. */
  rebaseFrom: string;
  lastSyncAt: string;
  /** `owner|expiry ms` while a call copies into the folder ('' when free); see lease.ts. */
  lease: string;
  /**
   * Planned and not yet in sync: set by planMailbox, cleared by the copyChunk call that finishes the
   * folder. The plan lives here, so a caller needs no list of folders of its own.
   */
  queued: boolean;
  /**
   * The row's ETag as last read or written (not stored in the row). Every write is conditional on
   * it, so two calls on one folder cannot undo each other: the second write fails with
   * MAIL_STATE_CONFLICT (transient) and that call starts again from the row as it now is. The first
   * conditional write of a copy is the in-flight mark, before any APPEND, so of two calls racing on
   * one folder only one ever appends.
   */
  etag?: string;
}

export type ItemState = 'p' | 'd';
export interface ItemRow {
  uid: number;
  s: ItemState;
  /** Target id ('' when the target did not say). */
  t: string;
  fp: string;
  fl: string;
  sz: number;
}

export interface SkippedItem {
  folder: string;
  uid: number;
  uidValidity: string;
  date: string;
  subject: string;
  size: number;
  /** tooLarge and retry are tried again on later passes (limit raised / target said "not now"). */
  kind: 'tooLarge' | 'failed' | 'retry';
  /** kind retry: passes on which the target refused it for now. */
  tries?: number;
  reason: string;
}

/** Table keys may not hold `/ \ # ?` or control characters. */
export function escapeKey(value: string): string {
  return value.replace(
    // eslint-disable-next-line no-control-regex
    /[%/\\#?\u0000-\u001f\u007f-\u009f]/g,
    (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}
export const folderKey = (path: string): string =>
  createHash('sha256').update(path).digest('hex').slice(0, 24);
export const uidKey = (uid: number): string => String(uid).padStart(10, '0');

/** Where a folder's item index lives (FolderState carries both). */
export type IndexRef = Pick<FolderState, 'fid' | 'indexLayout'>;
export const INDEX_LAYOUT_BUCKETED = 1;
const bucketOf = (uid: number): number => Math.floor(uid / INDEX_BUCKET_UIDS);

export function fingerprintHash(messageId: string | undefined, size: number, internalDate: Date): string {
  const secs = Math.floor(internalDate.getTime() / 1000);
  return createHash('sha256')
    .update(`${messageId ?? ''}\n${size}\n${secs}`)
    .digest('hex')
    .slice(0, 24);
}

const created = new Map<string, Promise<void>>();

export class MailState {
  private readonly folders: TableClient;
  private readonly items: TableClient;
  private readonly skipped: TableClient;

  constructor(
    private readonly storage: StorageSettings,
    private readonly mailboxKey: string,
  ) {
    this.folders = tableClient(storage, MAIL_TABLES.folders);
    this.items = tableClient(storage, MAIL_TABLES.items);
    this.skipped = tableClient(storage, MAIL_TABLES.skipped);
  }

  /** Creates the tables once per process and account. */
  async ready(): Promise<void> {
    const k = this.storage.connectionString;
    let p = created.get(k);
    if (!p) {
      p = Promise.all([
        this.folders.createTable(),
        this.items.createTable(),
        this.skipped.createTable(),
      ]).then(() => undefined);
      p.catch(() => created.delete(k));
      created.set(k, p);
    }
    await p;
  }

  private get pk(): string {
    return escapeKey(this.mailboxKey);
  }

  /** The partition of one generation's rows, or (bucketed layout) of the bucket holding `uid`. */
  itemPartition(ix: IndexRef, uidValidity: string, uid = 0): string {
    const base = `${this.pk}|${ix.fid}|${uidValidity}`;
    return ix.indexLayout >= INDEX_LAYOUT_BUCKETED
      ? `${base}|${String(bucketOf(uid)).padStart(7, '0')}`
      : base;
  }

  /** A filter for every row of one generation, whatever its layout. */
  private generationFilter(ix: IndexRef, uidValidity: string): string {
    const base = odata(`${this.pk}|${ix.fid}|${uidValidity}`);
    return ix.indexLayout >= INDEX_LAYOUT_BUCKETED
      ? `PartitionKey ge '${base}|' and PartitionKey lt '${base}}'`
      : `PartitionKey eq '${base}'`;
  }

  async listFolders(): Promise<Map<string, FolderState>> {
    const out = new Map<string, FolderState>();
    const rows = this.folders.listEntities<FolderState>({
      queryOptions: { filter: `PartitionKey eq '${odata(this.pk)}'` },
    });
    for await (const r of rows) out.set(r.source, pickFolder(r));
    return out;
  }

  async getFolder(source: string): Promise<FolderState | undefined> {
    try {
      return pickFolder(await this.folders.getEntity<FolderState>(this.pk, folderKey(source)));
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw stateError(e);
    }
  }

  async deleteFolder(source: string): Promise<void> {
    await this.folders.deleteEntity(this.pk, folderKey(source)).catch(() => undefined);
  }

  /** Writes the folder's row If-Match its ETag (or creates it when it has none); see FolderState.etag. */
  async putFolder(state: FolderState): Promise<void> {
    const { etag, ...fields } = state;
    const entity = { partitionKey: this.pk, rowKey: folderKey(state.source), ...fields };
    try {
      const res = etag
        ? await this.folders.updateEntity(entity, 'Replace', { etag })
        : await this.folders.createEntity(entity);
      state.etag = res.etag;
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 412 || status === 409) {
        throw new MailError(
          MailErrorCode.stateConflict,
          `the checkpoint of folder ${state.source} was changed by another call meanwhile; this call starts again from it`,
          { folder: state.source },
        );
      }
      throw stateError(e);
    }
  }

  /** Index rows with UID in [from, to]: one range query per bucket the range touches. */
  async itemsInRange(
    ix: IndexRef,
    uidValidity: string,
    from: number,
    to: number,
  ): Promise<Map<number, ItemRow>> {
    const partitions = new Set<string>();
    for (let b = bucketOf(from); b <= bucketOf(to); b++)
      partitions.add(this.itemPartition(ix, uidValidity, b * INDEX_BUCKET_UIDS));
    const range = `RowKey ge '${uidKey(from)}' and RowKey le '${uidKey(to)}'`;
    const parts = await Promise.all(
      [...partitions].map((pk) => this.queryItems(`PartitionKey eq '${odata(pk)}' and ${range}`)),
    );
    return new Map(parts.flatMap((m) => [...m]));
  }

  /** Index rows of the given UIDs (one range query per bucket they fall in). */
  async itemsAt(ix: IndexRef, uidValidity: string, uids: number[]): Promise<Map<number, ItemRow>> {
    const step = ix.indexLayout >= INDEX_LAYOUT_BUCKETED ? INDEX_BUCKET_UIDS : Infinity;
    const ranges = new Map<number, [number, number]>();
    for (const u of uids) {
      const b = Number.isFinite(step) ? bucketOf(u) : 0;
      const r = ranges.get(b);
      ranges.set(b, r ? [Math.min(r[0], u), Math.max(r[1], u)] : [u, u]);
    }
    const parts = await Promise.all(
      [...ranges.values()].map(([a, z]) => this.itemsInRange(ix, uidValidity, a, z)),
    );
    const wanted = new Set(uids);
    return new Map(parts.flatMap((m) => [...m].filter(([u]) => wanted.has(u))));
  }

  /** Rows of one generation matching an extra OData condition (e.g. a fingerprint). */
  async itemsWhere(ix: IndexRef, uidValidity: string, extra = ''): Promise<Map<number, ItemRow>> {
    return this.queryItems(`${this.generationFilter(ix, uidValidity)}${extra ? ` and ${extra}` : ''}`);
  }

  private async queryItems(filter: string): Promise<Map<number, ItemRow>> {
    const out = new Map<number, ItemRow>();
    for await (const r of this.items.listEntities<ItemRow>({ queryOptions: { filter } })) {
      out.set(Number(r.rowKey), {
        uid: Number(r.rowKey),
        s: r.s,
        t: r.t ?? '',
        fp: r.fp ?? '',
        fl: r.fl ?? '',
        sz: r.sz ?? 0,
      });
    }
    return out;
  }

  /**
   * Upserts index rows of one folder generation: grouped by partition, at most TABLE_BATCH rows per
   * transaction (a transaction holds one partition), the transactions in parallel.
   */
  async putItems(ix: IndexRef, uidValidity: string, rows: ItemRow[]): Promise<void> {
    await Promise.all(
      this.transactions(ix, uidValidity, rows, (r) => r.uid).map(([pk, slice]) =>
        this.items.submitTransaction(
          slice.map((r) => [
            'upsert',
            { partitionKey: pk, rowKey: uidKey(r.uid), s: r.s, t: r.t, fp: r.fp, fl: r.fl, sz: r.sz },
            'Replace',
          ]),
        ),
      ),
    );
  }

  async deleteItems(ix: IndexRef, uidValidity: string, uids: number[]): Promise<void> {
    for (const [pk, slice] of this.transactions(ix, uidValidity, uids, (u) => u)) {
      await this.items.submitTransaction(
        slice.map((u) => ['delete', { partitionKey: pk, rowKey: uidKey(u) }]),
      );
    }
  }

  /** Splits items into per-partition slices of at most TABLE_BATCH. */
  private transactions<T>(
    ix: IndexRef,
    uidValidity: string,
    items: T[],
    uidOf: (t: T) => number,
  ): Array<[string, T[]]> {
    const byPartition = new Map<string, T[]>();
    for (const it of items) {
      const pk = this.itemPartition(ix, uidValidity, uidOf(it));
      let list = byPartition.get(pk);
      if (!list) byPartition.set(pk, (list = []));
      list.push(it);
    }
    const out: Array<[string, T[]]> = [];
    for (const [pk, list] of byPartition)
      for (let i = 0; i < list.length; i += TABLE_BATCH) out.push([pk, list.slice(i, i + TABLE_BATCH)]);
    return out;
  }

  async putSkipped(items: SkippedItem[]): Promise<void> {
    for (const s of items) {
      const rowKey = `${folderKey(s.folder)}|${s.uidValidity}|${uidKey(s.uid)}`;
      await this.skipped.upsertEntity({ partitionKey: this.pk, rowKey, ...s }, 'Replace');
    }
  }

  async deleteSkipped(item: Pick<SkippedItem, 'folder' | 'uidValidity' | 'uid'>): Promise<void> {
    const rowKey = `${folderKey(item.folder)}|${item.uidValidity}|${uidKey(item.uid)}`;
    await this.skipped.deleteEntity(this.pk, rowKey).catch(() => undefined);
  }

  /** Skipped items of the mailbox, optionally of one folder. */
  async listSkipped(folder?: string): Promise<SkippedItem[]> {
    let filter = `PartitionKey eq '${odata(this.pk)}'`;
    if (folder !== undefined) {
      const f = folderKey(folder);
      filter += ` and RowKey ge '${f}|' and RowKey lt '${f}}'`;
    }
    const out: SkippedItem[] = [];
    for await (const r of this.skipped.listEntities<SkippedItem>({ queryOptions: { filter } })) {
      out.push({
        folder: r.folder,
        uid: r.uid,
        uidValidity: r.uidValidity,
        date: r.date,
        subject: r.subject,
        size: r.size,
        kind: r.kind,
        reason: r.reason,
        ...(r.tries ? { tries: r.tries } : {}),
      });
    }
    return out;
  }
}

function odata(s: string): string {
  return s.replace(/'/g, "''");
}

function pickFolder(r: TableEntityResult<FolderState> | FolderState): FolderState {
  return {
    fid: r.fid,
    source: r.source,
    target: r.target,
    uidValidity: r.uidValidity,
    lastUid: r.lastUid,
    inflight: r.inflight ?? 0,
    modseq: r.modseq ?? '',
    uidNext: r.uidNext ?? 0,
    messages: r.messages ?? 0,
    initialDone: !!r.initialDone,
    itemsSynced: r.itemsSynced ?? 0,
    bytesSynced: r.bytesSynced ?? 0,
    itemsSkipped: r.itemsSkipped ?? 0,
    bytesSkipped: r.bytesSkipped ?? 0,
    itemsFailed: r.itemsFailed ?? 0,
    filterKey: r.filterKey ?? '',
    rescanUid: r.rescanUid ?? 0,
    rescanEnd: r.rescanEnd ?? 0,
    rescanInflight: r.rescanInflight ?? 0,
    sourceBytes: r.sourceBytes ?? 0,
    indexLayout: r.indexLayout ?? 0,
    rebaseFrom: r.rebaseFrom ?? '',
    lastSyncAt: r.lastSyncAt ?? '',
    lease: r.lease ?? '',
    queued: !!r.queued,
    ...('etag' in r && r.etag ? { etag: r.etag } : {}),
  };
}

function stateError(e: unknown): MailError {
  return new MailError(MailErrorCode.state, `engine state unavailable: ${(e as Error).message ?? String(e)}`);
}
