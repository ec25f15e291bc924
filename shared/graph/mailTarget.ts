import type {
  Fingerprint,
  MailTarget,
  TargetCapabilities,
  TargetFolder,
  TargetMessage,
} from '../mail/target';
import type { BatchRequest, GraphClient } from './client';
import { MailError, MailErrorCode } from '../mail/errors';
import { bodySize } from '../mail/target';
import type { GraphError } from './errors';
import { isOutcomeUnknownGraph } from './outcome';
import { MESSAGE_LIMITS } from './limits';
import { ITEM_KEY_PROPERTY } from './mime';
import { GraphFolders, type FolderNode } from './mail-folders';
import {
  CreateRound,
  FOLDER_GONE,
  createLarge,
  keyFilter,
  prepareMessage,
  retryAfterMs,
  type CreateOutcome,
  type GraphAppendResult,
  type Prepared,
} from './mail-create';

export { GRAPH_WELL_KNOWN } from './mail-folders';
export type { GraphAppendResult } from './mail-create';

/**
 * The engine's MailTarget on Microsoft Graph for one Exchange Online mailbox. Folders: mail-folders.ts;
 * messages are created as JSON carrying the engine's idempotency key (mail-create.ts), so
 * `findExisting` can tell after a crash which items already arrived. Small messages go in `$batch`
 * groups, large ones and those with big attachments one by one.
 */
export interface GraphMailTargetOptions {
  /** The mailbox owner's user id (a GUID); all requests address the mailbox by it. */
  userId: string;
  /** Exchange Online's default is 35 MB; tenants may raise it to 150 MB. */
  maxMessageBytes?: number;
  /** Told what a created message could not carry (the caller lists it per item). */
  onNotCarried?: (key: string, notCarried: string[]) => void;
}

/** Throttling the client could not wait out goes to the engine as MAIL_THROTTLED (it waits, then retries). */
function engineError(e: GraphError, headers: Record<string, string>): Error {
  if (e.status !== 429) return e;
  return new MailError(MailErrorCode.throttled, e.message, {
    retryAfterMs: retryAfterMs(headers['retry-after']),
  });
}

type Indexed = { index: number; p: Prepared };

export class GraphMailTarget implements MailTarget {
  readonly capabilities: TargetCapabilities;
  private readonly base: string;
  private readonly folders: GraphFolders;

  constructor(
    private readonly client: GraphClient,
    private readonly options: GraphMailTargetOptions,
  ) {
    this.base = `/users/${encodeURIComponent(options.userId)}`;
    this.folders = new GraphFolders(client, this.base);
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

  listFolders(): Promise<TargetFolder[]> {
    return this.folders.list();
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
    await this.folders.idOf(path);
  }

  async append(folder: string, messages: TargetMessage[]): Promise<GraphAppendResult[]> {
    const first = await this.appendTo(folder, messages);
    // The folder was deleted or moved away meanwhile (404 on the create; nothing was stored):
    // find or create it again and send those messages once more.
    const gone = first.flatMap((r, i) => (r === FOLDER_GONE ? [i] : []));
    if (!gone.length) return first as GraphAppendResult[];
    this.folders.forget(folder);
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

  private async appendTo(folder: string, messages: TargetMessage[]): Promise<CreateOutcome[]> {
    const createUrl = `${this.base}/mailFolders/${await this.folders.idOf(folder)}/messages`;
    const round = new CreateRound(messages.length, this.options.onNotCarried);
    const { batchable, single } = await this.prepareAll(messages, round);
    await Promise.all([
      this.createBatched(round, createUrl, batchable),
      this.createSingly(round, createUrl, single),
    ]);
    return round.finish();
  }

  /** Each message as its create request; one too large or unreadable is refused with the reason. */
  private async prepareAll(
    messages: TargetMessage[],
    round: CreateRound,
  ): Promise<{ batchable: Indexed[]; single: Indexed[] }> {
    const batchable: Indexed[] = [];
    const single: Indexed[] = [];
    const max = this.capabilities.maxMessageBytes;
    for (const [index, m] of messages.entries()) {
      if (bodySize(m.content) > max) {
        round.refused(
          index,
          `larger (${bodySize(m.content)} bytes) than the mailbox's maximum message size (${max} bytes)`,
        );
        continue;
      }
      let p: Prepared;
      try {
        p = await prepareMessage(m);
      } catch (e) {
        const why = String((e as Error)?.message ?? e).slice(0, 200);
        round.refused(index, `the message could not be parsed: ${why}`);
        continue;
      }
      if (p.later.length === 0 && p.createBytes <= MESSAGE_LIMITS.batchableCreateBytes)
        batchable.push({ index, p });
      else single.push({ index, p });
    }
    return { batchable, single };
  }

  private async createBatched(round: CreateRound, createUrl: string, batchable: Indexed[]): Promise<void> {
    if (!batchable.length) return;
    let answers;
    try {
      answers = await this.client.batch(
        batchable.map(({ p }) => ({ method: 'POST', url: createUrl, body: p.json, once: true })),
      );
    } catch (e) {
      if (!isOutcomeUnknownGraph(e)) throw e;
      round.outcomeUnknown(e);
      return;
    }
    answers.forEach((a, i) => round.batched(batchable[i]!.index, batchable[i]!.p, a));
  }

  private async createSingly(round: CreateRound, createUrl: string, single: Indexed[]): Promise<void> {
    const mailbox = { base: this.base, userId: this.options.userId };
    for (const { index, p } of single) {
      try {
        round.created(index, p, await createLarge(this.client, mailbox, createUrl, p));
      } catch (e) {
        round.failed(index, e);
      }
    }
  }

  async findExisting(folder: string, items: Fingerprint[]): Promise<Map<string, string[]>> {
    const folderId = await this.folders.idOf(folder);
    const requests: BatchRequest[] = items.map((f) => ({
      method: 'GET',
      url: `${this.base}/mailFolders/${folderId}/messages?$filter=${keyFilter(ITEM_KEY_PROPERTY, f.key)}&$select=id`,
    }));
    const answers = await this.client.batch(requests);
    const found = new Map<string, string[]>();
    answers.forEach((a, i) => {
      // The folder is gone (deleted on the target meanwhile): nothing of it is there; append() creates it.
      if (a.status === 404) {
        this.folders.forget(folder);
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
