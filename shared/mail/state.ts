import { createHash } from 'node:crypto';
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { tableClient, type StorageSettings } from '../storage/clients';
import { MailError, MailErrorCode } from './errors';
import { ItemIndex, uidKey } from './state/item-index';
import type { IndexRef, ItemFilter, ItemRow } from './state/item-row';

export { uidKey } from './state/item-index';
export {
  INDEX_LAYOUT_BUCKETED,
  INDEX_LAYOUT_PACKED,
  type IndexRef,
  type ItemFilter,
  type ItemRow,
  type ItemState,
} from './state/item-row';

/**
 * The engine's own tables, one per concept:
 * - `mailfolders`: per mailbox and source folder, the checkpoint (UIDVALIDITY, last UID copied,
 *   the MODSEQ up to which flags are in sync) and running statistics;
 * - `mailitems`: the item index, (folder, UIDVALIDITY, UID) → state (pending/done), target id,
 *   fingerprint and flags; its layouts (a row per UID, or packed pages of UIDs) are in
 *   state/item-index.ts;
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
  /**
   * How the folder's item index is keyed (state/item-row.ts): 0 one partition per generation, 1 a
   * row per UID in buckets (folders planned by older versions), 2 packed pages.
   */
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
  private readonly index: ItemIndex;
  private readonly skipped: TableClient;

  constructor(
    private readonly storage: StorageSettings,
    private readonly mailboxKey: string,
  ) {
    this.folders = tableClient(storage, MAIL_TABLES.folders);
    this.items = tableClient(storage, MAIL_TABLES.items);
    this.index = new ItemIndex(this.items, escapeKey(mailboxKey));
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

  /** The partition of one generation's rows, or (bucketed layouts) of the bucket holding `uid`. */
  itemPartition(ix: IndexRef, uidValidity: string, uid = 0): string {
    return this.index.partition(ix, uidValidity, uid);
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
  itemsInRange(ix: IndexRef, uidValidity: string, from: number, to: number): Promise<Map<number, ItemRow>> {
    return this.index.inRange(ix, uidValidity, from, to);
  }

  /** Index rows of the given UIDs (one range query per bucket they fall in). */
  itemsAt(ix: IndexRef, uidValidity: string, uids: number[]): Promise<Map<number, ItemRow>> {
    return this.index.at(ix, uidValidity, uids);
  }

  /** Rows of one generation matching `filter` (e.g. done rows with one of some fingerprints). */
  itemsWhere(ix: IndexRef, uidValidity: string, filter: ItemFilter = {}): Promise<Map<number, ItemRow>> {
    return this.index.where(ix, uidValidity, filter);
  }

  /** Upserts index rows of one folder generation (transactions per partition, in parallel). */
  putItems(ix: IndexRef, uidValidity: string, rows: ItemRow[]): Promise<void> {
    return this.index.put(ix, uidValidity, rows);
  }

  deleteItems(ix: IndexRef, uidValidity: string, uids: number[]): Promise<void> {
    return this.index.delete(ix, uidValidity, uids);
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
