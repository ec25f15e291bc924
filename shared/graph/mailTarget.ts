import type {
  AppendResult,
  Fingerprint,
  FolderRole,
  MailTarget,
  TargetCapabilities,
  TargetFolder,
  TargetMessage,
} from '../mail/target';
import type { BatchRequest, GraphClient } from './client';
import { MailError, MailErrorCode } from '../mail/errors';
import { GraphError, isGraphError } from './errors';
import { isOutcomeUnknownGraph } from './outcome';
import { MESSAGE_LIMITS } from './limits';
import { ITEM_KEY_PROPERTY, PENDING_KEY_PROPERTY, mimeToGraphMessage, type GraphAttachment } from './mime';

/**
 * The engine's MailTarget on Microsoft Graph for one Exchange Online mailbox. Folders are found by
 * well-known name (inbox, sentitems, drafts, deleteditems, junkemail, archive) and by path; messages
 * are created as JSON (mime.ts) carrying the engine's idempotency key in an extended property, so
 * `findExisting` can tell after a crash which items already arrived. Small messages go in `$batch`
 * groups; attachments ride inline up to 3 MB and through upload sessions above.
 *
 * A message with attachments sent after creation is created with the key in a *pending* property,
 * and the real key is written only when every attachment is in: findExisting never reports a
 * half-built message, and a retry deletes the half-built copy before creating it again.
 */

export const GRAPH_WELL_KNOWN: Record<FolderRole, string> = {
  inbox: 'inbox',
  sent: 'sentitems',
  drafts: 'drafts',
  trash: 'deleteditems',
  junk: 'junkemail',
  archive: 'archive',
};

/** Names the engine may use for a role folder's first path segment (IMAP and Exchange names). */
const ROLE_NAMES: Record<string, FolderRole> = {
  inbox: 'inbox',
  'sent items': 'sent',
  sent: 'sent',
  drafts: 'drafts',
  'deleted items': 'trash',
  trash: 'trash',
  'junk email': 'junk',
  junk: 'junk',
  archive: 'archive',
};

export interface GraphMailTargetOptions {
  /** The mailbox owner's user id (a GUID); all requests address the mailbox by it. */
  userId: string;
  /** Exchange Online's default is 35 MB; tenants may raise it to 150 MB. */
  maxMessageBytes?: number;
  /** Told what a created message could not carry (the caller lists it per item). */
  onNotCarried?: (key: string, notCarried: string[]) => void;
}

/** An append result that also says what the Graph message does not carry. */
export type GraphAppendResult = AppendResult & { notCarried?: string[] };

interface FolderNode {
  id: string;
  displayName: string;
}

interface Prepared {
  key: string;
  json: Record<string, unknown>;
  inline: GraphAttachment[];
  later: GraphAttachment[];
  createBytes: number;
  notCarried: string[];
}

const ODATA_FILE = '#microsoft.graph.fileAttachment';

/** Retry-After in seconds (what Graph sends), as ms; a minute when absent or unreadable. */
function retryAfterMs(header: string | undefined): number {
  const n = Number(header);
  return Number.isFinite(n) && n > 0 ? n * 1000 : 60_000;
}

/** Throttling the client could not wait out goes to the engine as MAIL_THROTTLED (it waits, then retries). */
function engineError(e: GraphError, headers: Record<string, string>): Error {
  if (e.status !== 429) return e;
  return new MailError(MailErrorCode.throttled, e.message, {
    retryAfterMs: retryAfterMs(headers['retry-after']),
  });
}

/** A create answered 404: the folder (cached id) is gone; nothing was stored. */
const FOLDER_GONE = Symbol('folder gone');

function fileAttachment(a: GraphAttachment): Record<string, unknown> {
  return {
    '@odata.type': ODATA_FILE,
    name: a.name,
    contentType: a.contentType,
    isInline: a.isInline,
    ...(a.contentId ? { contentId: a.contentId } : {}),
    contentBytes: a.content.toString('base64'),
  };
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function keyFilter(property: string, key: string): string {
  return encodeURIComponent(
    `singleValueExtendedProperties/Any(ep: ep/id eq ${quote(property)} and ep/value eq ${quote(key)})`,
  );
}

export class GraphMailTarget implements MailTarget {
  readonly capabilities: TargetCapabilities;
  private readonly base: string;
  private readonly folderIds = new Map<string, Promise<string>>();
  private roleIds: Promise<Map<FolderRole, string>> | undefined;

  constructor(
    private readonly client: GraphClient,
    private readonly options: GraphMailTargetOptions,
  ) {
    this.base = `/users/${encodeURIComponent(options.userId)}`;
    this.capabilities = {
      delimiter: '/',
      maxMessageBytes: options.maxMessageBytes ?? MESSAGE_LIMITS.defaultMaxMessageBytes,
      // Graph allows 4 concurrent requests per mailbox; the client's budget enforces it either way.
      appendConcurrency: 4,
      appendBatch: 20,
      returnsIds: true,
      // Control characters are not valid in Exchange folder names.
      // eslint-disable-next-line no-control-regex
      illegalNameChars: /[\u0000-\u001f]/,
    };
  }

  /** Well-known folder ids, one $batch for all roles (a role the mailbox lacks is left out). */
  private wellKnown(): Promise<Map<FolderRole, string>> {
    this.roleIds ??= (async () => {
      const roles = Object.keys(GRAPH_WELL_KNOWN) as FolderRole[];
      const results = await this.client.batch(
        roles.map((r) => ({
          method: 'GET',
          url: `${this.base}/mailFolders/${GRAPH_WELL_KNOWN[r]}?$select=id,displayName`,
        })),
      );
      const map = new Map<FolderRole, string>();
      results.forEach((res, i) => {
        if (res.status === 200) map.set(roles[i]!, (res.body as FolderNode).id);
        else if (res.error && res.status !== 404) throw res.error;
      });
      return map;
    })();
    this.roleIds.catch(() => (this.roleIds = undefined));
    return this.roleIds;
  }

  private async children(parentId: string | null): Promise<FolderNode[]> {
    const path =
      parentId === null ? `${this.base}/mailFolders` : `${this.base}/mailFolders/${parentId}/childFolders`;
    return this.client.all<FolderNode>(`${path}?$select=id,displayName&$top=250&includeHiddenFolders=false`);
  }

  async listFolders(): Promise<TargetFolder[]> {
    const roles = await this.wellKnown();
    const roleById = new Map([...roles].map(([r, id]) => [id, r]));
    const out: TargetFolder[] = [];
    const walk = async (parentId: string | null, prefix: string): Promise<void> => {
      for (const f of await this.children(parentId)) {
        const path = prefix ? `${prefix}/${f.displayName}` : f.displayName;
        this.folderIds.set(path.toLowerCase(), Promise.resolve(f.id));
        const role = roleById.get(f.id);
        out.push({ path, ...(role ? { role } : {}) });
        await walk(f.id, path);
      }
    };
    await walk(null, '');
    return out;
  }

  /**
   * Every folder's item count (mailFolder.totalItemCount, v1.0), by path as listFolders gives it,
   * for reconciliation. Bytes are null: v1.0 publishes no folder size.
   */
  async folderCounts(): Promise<Map<string, { messages: number; bytes: number | null }>> {
    const out = new Map<string, { messages: number; bytes: number | null }>();
    const walk = async (parentId: string | null, prefix: string): Promise<void> => {
      const path =
        parentId === null ? `${this.base}/mailFolders` : `${this.base}/mailFolders/${parentId}/childFolders`;
      const url = `${path}?$select=id,displayName,totalItemCount&$top=250&includeHiddenFolders=false`;
      for (const f of await this.client.all<FolderNode & { totalItemCount?: number }>(url)) {
        const name = prefix ? `${prefix}/${f.displayName}` : f.displayName;
        out.set(name, { messages: f.totalItemCount ?? 0, bytes: null });
        await walk(f.id, name);
      }
    };
    await walk(null, '');
    return out;
  }

  async ensureFolder(path: string): Promise<void> {
    await this.folderId(path);
  }

  /** The folder id for a path, creating missing segments. Concurrent calls for one path share the work. */
  private folderId(path: string): Promise<string> {
    const key = path.toLowerCase();
    let id = this.folderIds.get(key);
    if (!id) {
      id = this.resolveFolder(path);
      this.folderIds.set(key, id);
      id.catch(() => this.folderIds.delete(key));
    }
    return id;
  }

  private async resolveFolder(path: string): Promise<string> {
    const segments = path.split('/').filter((s) => s.length > 0);
    if (segments.length === 0)
      throw new GraphError('GRAPH_FOLDER_INVALID', 'An empty folder path cannot be created.', {
        status: 0,
        graphCode: null,
        path,
      });
    const parentPath = segments.slice(0, -1).join('/');
    const name = segments[segments.length - 1]!;
    if (!parentPath) {
      const role = ROLE_NAMES[name.toLowerCase()];
      const roleId = role ? (await this.wellKnown()).get(role) : undefined;
      if (roleId) return roleId;
    }
    const parentId = parentPath ? await this.folderId(parentPath) : null;
    const existing = (await this.children(parentId)).find(
      (f) => f.displayName.toLowerCase() === name.toLowerCase(),
    );
    if (existing) return existing.id;
    const url =
      parentId === null ? `${this.base}/mailFolders` : `${this.base}/mailFolders/${parentId}/childFolders`;
    try {
      return (await this.client.post<FolderNode>(url, { displayName: name })).id;
    } catch (e) {
      // Created meanwhile by another worker: read it back.
      if (isGraphError(e) && e.status === 409) {
        const again = (await this.children(parentId)).find(
          (f) => f.displayName.toLowerCase() === name.toLowerCase(),
        );
        if (again) return again.id;
      }
      throw e;
    }
  }

  private async prepare(m: TargetMessage): Promise<Prepared> {
    const converted = await mimeToGraphMessage(m.content, m.flags, m.internalDate);
    const totalAttachmentBytes = converted.attachments.reduce((s, a) => s + a.content.length, 0);
    const base = JSON.stringify(converted.message).length;
    const inlineFits =
      totalAttachmentBytes <= MESSAGE_LIMITS.inlineAttachmentBytes &&
      base + Math.ceil((totalAttachmentBytes * 4) / 3) + converted.attachments.length * 300 <=
        MESSAGE_LIMITS.maxCreateRequestBytes;
    const inline = inlineFits ? converted.attachments : [];
    const later = inlineFits ? [] : converted.attachments;
    const props = converted.message.singleValueExtendedProperties as Array<{ id: string; value: string }>;
    const json = {
      ...converted.message,
      singleValueExtendedProperties: [
        ...props,
        { id: later.length ? PENDING_KEY_PROPERTY : ITEM_KEY_PROPERTY, value: m.key },
      ],
      ...(inline.length ? { attachments: inline.map(fileAttachment) } : {}),
    };
    return {
      key: m.key,
      json,
      inline,
      later,
      createBytes: Buffer.byteLength(JSON.stringify(json)),
      notCarried: converted.notCarried,
    };
  }

  async append(folder: string, messages: TargetMessage[]): Promise<GraphAppendResult[]> {
    const first = await this.appendTo(folder, messages);
    // The folder was deleted or moved away meanwhile (404 on the create; nothing was stored):
    // find or create it again and send those messages once more.
    const gone = first.flatMap((r, i) => (r === FOLDER_GONE ? [i] : []));
    if (!gone.length) return first as GraphAppendResult[];
    this.folderIds.delete(folder.toLowerCase());
    const again = await this.appendTo(
      folder,
      gone.map((i) => messages[i]!),
    );
    gone.forEach((i, j) => {
      const r = again[j]!;
      first[i] =
        r === FOLDER_GONE ? { ok: false, reason: `the target folder ${folder} disappeared twice` } : r;
    });
    return first as GraphAppendResult[];
  }

  private async appendTo(
    folder: string,
    messages: TargetMessage[],
  ): Promise<Array<GraphAppendResult | typeof FOLDER_GONE>> {
    const folderId = await this.folderId(folder);
    const createUrl = `${this.base}/mailFolders/${folderId}/messages`;
    const results: Array<GraphAppendResult | typeof FOLDER_GONE> = new Array(messages.length);
    const batchable: Array<{ index: number; p: Prepared }> = [];
    const single: Array<{ index: number; p: Prepared }> = [];
    // A create whose answer was lost or was 503/504: the whole call reports MAIL_APPEND_OUTCOME_UNKNOWN
    // and the engine finds by key what arrived (never created twice).
    let unknown: unknown;
    // Still throttled after the client's retries: the call fails as MAIL_THROTTLED with the wait, and
    // the engine tries again later (what was created meanwhile is found by key).
    let throttledMs: number | undefined;
    for (const [index, m] of messages.entries()) {
      if (m.content.length > this.capabilities.maxMessageBytes) {
        results[index] = {
          ok: false,
          reason: `larger (${m.content.length} bytes) than the mailbox's maximum message size (${this.capabilities.maxMessageBytes} bytes)`,
        };
        continue;
      }
      let p: Prepared;
      try {
        p = await this.prepare(m);
      } catch (e) {
        results[index] = {
          ok: false,
          reason: `the message could not be parsed: ${String((e as Error)?.message ?? e).slice(0, 200)}`,
        };
        continue;
      }
      if (p.later.length === 0 && p.createBytes <= MESSAGE_LIMITS.batchableCreateBytes)
        batchable.push({ index, p });
      else single.push({ index, p });
    }
    const done = (index: number, p: Prepared, id: string): void => {
      if (p.notCarried.length) this.options.onNotCarried?.(p.key, p.notCarried);
      results[index] = { ok: true, id, ...(p.notCarried.length ? { notCarried: p.notCarried } : {}) };
    };
    const batchRun = async (): Promise<void> => {
      if (!batchable.length) return;
      let answers;
      try {
        answers = await this.client.batch(
          batchable.map(({ p }) => ({ method: 'POST', url: createUrl, body: p.json, once: true })),
        );
      } catch (e) {
        if (!isOutcomeUnknownGraph(e)) throw e;
        unknown ??= e;
        return;
      }
      answers.forEach((a, i) => {
        const { index, p } = batchable[i]!;
        if (a.status === 201) done(index, p, (a.body as { id: string }).id);
        else if (isOutcomeUnknownGraph(a.error) || a.status >= 500)
          unknown ??= a.error ?? new Error(`HTTP ${a.status}`);
        else if (a.status === 429)
          throttledMs = Math.max(throttledMs ?? 0, retryAfterMs(a.headers['retry-after']));
        else if (a.status === 404) results[index] = FOLDER_GONE;
        else results[index] = { ok: false, reason: a.error?.message ?? `HTTP ${a.status}` };
      });
    };
    const singleRun = async (): Promise<void> => {
      for (const { index, p } of single) {
        try {
          done(index, p, await this.createLarge(createUrl, p));
        } catch (e) {
          // Refusals of this item are listed; throttling, auth and network failures stop the chunk.
          if (isOutcomeUnknownGraph(e)) unknown ??= e;
          else if (isGraphError(e) && e.status === 429) throttledMs = Math.max(throttledMs ?? 0, 60_000);
          else if (isGraphError(e) && e.status === 404 && e.details.method === 'POST')
            results[index] = FOLDER_GONE;
          else if (isGraphError(e) && [400, 413, 422].includes(e.status))
            results[index] = { ok: false, reason: e.message };
          else throw e;
        }
      }
    };
    await Promise.all([batchRun(), singleRun()]);
    if (unknown !== undefined) {
      throw new MailError(MailErrorCode.appendUnknown, (unknown as Error).message, { retryAfterMs: 0 });
    }
    if (throttledMs !== undefined) {
      throw new MailError(MailErrorCode.throttled, 'Microsoft Graph kept throttling message creates', {
        retryAfterMs: throttledMs,
      });
    }
    return results;
  }

  /** A message too large for $batch, or with attachments after creation (see the file comment). */
  private async createLarge(createUrl: string, p: Prepared): Promise<string> {
    if (p.later.length === 0)
      return (await this.client.post<{ id: string }>(createUrl, p.json, { once: true })).id;
    // A half-built copy from an interrupted earlier attempt goes first.
    const stale = await this.client.get<{ value: Array<{ id: string }> }>(
      `${this.base}/messages?$filter=${keyFilter(PENDING_KEY_PROPERTY, p.key)}&$select=id`,
    );
    for (const s of stale.value ?? []) await this.client.delete(`${this.base}/messages/${s.id}`);
    // Sent once each: a lost answer leaves at most a half-built copy under the pending key, which
    // the engine's next attempt deletes above before creating the message again.
    const id = (await this.client.post<{ id: string }>(createUrl, p.json, { once: true })).id;
    for (const a of p.later) await this.addAttachment(id, a);
    await this.client.patch(`${this.base}/messages/${id}`, {
      singleValueExtendedProperties: [
        { id: ITEM_KEY_PROPERTY, value: p.key },
        { id: PENDING_KEY_PROPERTY, value: '' },
      ],
    });
    return id;
  }

  private async addAttachment(messageId: string, a: GraphAttachment): Promise<void> {
    const url = `${this.base}/messages/${messageId}/attachments`;
    if (a.content.length <= MESSAGE_LIMITS.inlineAttachmentBytes) {
      await this.client.post(url, fileAttachment(a), { once: true });
      return;
    }
    const session = await this.client.post<{ uploadUrl: string }>(`${url}/createUploadSession`, {
      AttachmentItem: {
        attachmentType: 'file',
        name: a.name,
        size: a.content.length,
        contentType: a.contentType,
        isInline: a.isInline,
        ...(a.contentId ? { contentId: a.contentId } : {}),
      },
    });
    const chunk = MESSAGE_LIMITS.uploadChunkBytes;
    for (let start = 0; start < a.content.length; start += chunk) {
      const part = a.content.subarray(start, Math.min(a.content.length, start + chunk));
      const res = await this.client.uploadChunk(
        session.uploadUrl,
        part,
        start,
        a.content.length,
        this.options.userId,
      );
      if (start + part.length >= a.content.length && res.status !== 201 && res.status !== 200) {
        throw new GraphError(
          'GRAPH_UPLOAD_INCOMPLETE',
          `The upload of attachment "${a.name}" did not complete (HTTP ${res.status}); the message is retried.`,
          {
            status: res.status,
            graphCode: null,
          },
        );
      }
    }
  }

  async findExisting(folder: string, items: Fingerprint[]): Promise<Map<string, string[]>> {
    const folderId = await this.folderId(folder);
    const requests: BatchRequest[] = items.map((f) => ({
      method: 'GET',
      url: `${this.base}/mailFolders/${folderId}/messages?$filter=${keyFilter(ITEM_KEY_PROPERTY, f.key)}&$select=id`,
    }));
    const answers = await this.client.batch(requests);
    const found = new Map<string, string[]>();
    answers.forEach((a, i) => {
      // The folder is gone (deleted on the target meanwhile): nothing of it is there; append() creates it.
      if (a.status === 404) {
        this.folderIds.delete(folder.toLowerCase());
        return;
      }
      if (a.error) throw engineError(a.error, a.headers);
      const ids = ((a.body as { value?: Array<{ id: string }> })?.value ?? []).map((v) => v.id);
      if (ids.length) found.set(items[i]!.key, ids);
    });
    return found;
  }

  async setFlags(_folder: string, changes: Array<{ id: string; flags: string[] }>): Promise<void> {
    const requests: BatchRequest[] = changes.map(({ id, flags }) => {
      const lower = flags.map((f) => f.toLowerCase());
      const categories = flags.filter((f) => !f.startsWith('\\') && !f.startsWith('$'));
      return {
        method: 'PATCH',
        url: `${this.base}/messages/${id}`,
        body: {
          isRead: lower.includes('\\seen'),
          flag: { flagStatus: lower.includes('\\flagged') ? 'flagged' : 'notFlagged' },
          categories,
        },
      };
    });
    for (const a of await this.client.batch(requests))
      if (a.error && a.status !== 404) throw engineError(a.error, a.headers);
  }

  async remove(_folder: string, ids: string[]): Promise<void> {
    const answers = await this.client.batch(
      ids.map((id) => ({ method: 'DELETE', url: `${this.base}/messages/${id}` })),
    );
    for (const a of answers) if (a.error && a.status !== 404) throw engineError(a.error, a.headers);
  }

  async close(): Promise<void> {
    // Nothing held open: Graph is stateless HTTP.
  }
}
