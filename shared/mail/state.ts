import { createHash } from 'node:crypto';
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { tableClient, type StorageSettings } from '../storage/clients';
import { TABLE_BATCH } from './limits';
import { MailError, MailErrorCode } from './errors';

/**
 * The engine's own tables, one per concept:
 * - `mailfolders`: per mailbox and source folder, the checkpoint (UIDVALIDITY, last UID copied,
 *   the MODSEQ up to which flags are in sync) and running statistics;
 * - `mailitems`: the item index, (folder, UIDVALIDITY, UID) → state (pending/done), target id,
 *   fingerprint and flags; partition = one folder generation, row = zero-padded UID, so one range
 *   query answers "what of this chunk is already there";
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

  itemPartition(fid: string, uidValidity: string): string {
    return `${this.pk}|${fid}|${uidValidity}`;
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

  /** Index rows with UID in [from, to]. */
  async itemsInRange(
    fid: string,
    uidValidity: string,
    from: number,
    to: number,
  ): Promise<Map<number, ItemRow>> {
    const pk = this.itemPartition(fid, uidValidity);
    const filter = `PartitionKey eq '${odata(pk)}' and RowKey ge '${uidKey(from)}' and RowKey le '${uidKey(to)}'`;
    return this.queryItems(filter);
  }

  async itemsWhere(fid: string, uidValidity: string, extra = ''): Promise<Map<number, ItemRow>> {
    const pk = this.itemPartition(fid, uidValidity);
    return this.queryItems(`PartitionKey eq '${odata(pk)}'${extra ? ` and ${extra}` : ''}`);
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

  /** Upserts index rows of one folder generation, 100 per transaction, transactions in parallel. */
  async putItems(fid: string, uidValidity: string, rows: ItemRow[]): Promise<void> {
    const pk = this.itemPartition(fid, uidValidity);
    const slices: ItemRow[][] = [];
    for (let i = 0; i < rows.length; i += TABLE_BATCH) slices.push(rows.slice(i, i + TABLE_BATCH));
    await Promise.all(
      slices.map((slice) =>
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

  async deleteItems(fid: string, uidValidity: string, uids: number[]): Promise<void> {
    const pk = this.itemPartition(fid, uidValidity);
    for (let i = 0; i < uids.length; i += TABLE_BATCH) {
      await this.items.submitTransaction(
        uids.slice(i, i + TABLE_BATCH).map((u) => ['delete', { partitionKey: pk, rowKey: uidKey(u) }]),
      );
    }
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
