import { isStreamed, type AppendResult, type StreamedBody, type TargetMessage } from '../mail/target';
import { MailError, MailErrorCode } from '../mail/errors';
import { EXCHANGE_TOO_LARGE_FIX } from '../mail/exchange-online';
import type { BatchResult, GraphClient } from './client';
import { GraphError, isGraphError } from './errors';
import { MESSAGE_LIMITS } from './limits';
import { ITEM_KEY_PROPERTY, PENDING_KEY_PROPERTY, mimeToGraphMessage, type GraphAttachment } from './mime';
import { eachAttachment } from './mime-stream';
import { isOutcomeUnknownGraph } from './outcome';

/**
 * Creating messages in a Graph mailbox: each as JSON (mime.ts) carrying the engine's idempotency
 * key in an extended property. Attachments ride inline up to 3 MB and through upload sessions
 * above; a message with attachments sent after creation carries its key in a *pending* property
 * until every attachment is in, so a half-built message is never reported as arrived.
 */

/** An append result that also says what the Graph message does not carry. */
export type GraphAppendResult = AppendResult & { notCarried?: string[] };

/** A create answered 404: the folder (cached id) is gone; nothing was stored. */
export const FOLDER_GONE = Symbol('folder gone');
export type CreateOutcome = GraphAppendResult | typeof FOLDER_GONE;

export interface Prepared {
  key: string;
  json: Record<string, unknown>;
  inline: GraphAttachment[];
  later: GraphAttachment[];
  createBytes: number;
  notCarried: string[];
  /** A streamed message: its `later` attachments' bytes are read from it again while uploaded. */
  source?: StreamedBody;
}

const ODATA_FILE = '#microsoft.graph.fileAttachment';

/** Retry-After in seconds (what Graph sends), as ms; a minute when absent or unreadable. */
export function retryAfterMs(header: string | undefined): number {
  const n = Number(header);
  return Number.isFinite(n) && n > 0 ? n * 1000 : 60_000;
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A `$filter` for messages whose extended property `property` holds `key`. */
export function keyFilter(property: string, key: string): string {
  return encodeURIComponent(
    `singleValueExtendedProperties/Any(ep: ep/id eq ${quote(property)} and ep/value eq ${quote(key)})`,
  );
}

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

/** A message as its create request: attachments inline when the request stays under Graph's limits. */
export async function prepareMessage(m: TargetMessage): Promise<Prepared> {
  const converted = await mimeToGraphMessage(m.content, m.flags, m.internalDate);
  const totalAttachmentBytes = converted.attachments.reduce((s, a) => s + a.size, 0);
  const base = JSON.stringify(converted.message).length;
  const deferred = converted.attachments.some((a) => a.deferred);
  const inlineFits =
    !deferred &&
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
    ...(deferred && isStreamed(m.content) ? { source: m.content } : {}),
  };
}

/**
 * The outcome of one append call's creates. A create whose answer was lost or was 503/504 makes the
 * whole call MAIL_APPEND_OUTCOME_UNKNOWN (the engine finds by key what arrived: never created
 * twice); one still throttled after the client's retries makes it MAIL_THROTTLED with the wait.
 */
export class CreateRound {
  readonly results: CreateOutcome[];
  private unknown: unknown;
  private throttledMs: number | undefined;

  constructor(
    count: number,
    private readonly onNotCarried?: (key: string, notCarried: string[]) => void,
  ) {
    this.results = new Array(count);
  }

  created(index: number, p: Prepared, id: string): void {
    if (p.notCarried.length) this.onNotCarried?.(p.key, p.notCarried);
    this.results[index] = { ok: true, id, ...(p.notCarried.length ? { notCarried: p.notCarried } : {}) };
  }

  refused(index: number, reason: string): void {
    this.results[index] = { ok: false, reason };
  }

  outcomeUnknown(e: unknown): void {
    this.unknown ??= e;
  }

  throttled(ms: number): void {
    this.throttledMs = Math.max(this.throttledMs ?? 0, ms);
  }

  /** One sub-response of a `$batch` of creates. */
  batched(index: number, p: Prepared, a: BatchResult): void {
    if (a.status === 201) this.created(index, p, (a.body as { id: string }).id);
    else if (isOutcomeUnknownGraph(a.error) || a.status >= 500)
      this.outcomeUnknown(a.error ?? new Error(`HTTP ${a.status}`));
    else if (a.status === 429) this.throttled(retryAfterMs(a.headers['retry-after']));
    else if (a.status === 404) this.results[index] = FOLDER_GONE;
    else this.refused(index, refusalReason(a.status, a.error?.message ?? `HTTP ${a.status}`));
  }

  /** A single create that threw: refusals of this item are listed; throttling, auth and network failures stop the chunk. */
  failed(index: number, e: unknown): void {
    if (isOutcomeUnknownGraph(e)) this.outcomeUnknown(e);
    else if (isGraphError(e) && e.status === 429) this.throttled(60_000);
    else if (isGraphError(e) && e.status === 404 && e.details.method === 'POST')
      this.results[index] = FOLDER_GONE;
    else if (isRefusal(e)) this.refused(index, refusalReason((e as GraphError).status, (e as Error).message));
    else throw e;
  }

  /** The results, or the error the whole call ends with. */
  finish(): CreateOutcome[] {
    if (this.unknown !== undefined) {
      throw new MailError(MailErrorCode.appendUnknown, (this.unknown as Error).message, { retryAfterMs: 0 });
    }
    if (this.throttledMs !== undefined) {
      throw new MailError(MailErrorCode.throttled, 'Microsoft Graph kept throttling message creates', {
        retryAfterMs: this.throttledMs,
      });
    }
    return this.results;
  }
}

/** Creates one message too large for `$batch`, or with attachments after creation. */
export async function createLarge(
  client: GraphClient,
  mailbox: { base: string; userId: string },
  createUrl: string,
  p: Prepared,
): Promise<string> {
  if (p.later.length === 0) return (await client.post<{ id: string }>(createUrl, p.json, { once: true })).id;
  // A half-built copy from an interrupted earlier attempt goes first.
  const stale = await client.get<{ value: Array<{ id: string }> }>(
    `${mailbox.base}/messages?$filter=${keyFilter(PENDING_KEY_PROPERTY, p.key)}&$select=id`,
  );
  for (const s of stale.value ?? []) await client.delete(`${mailbox.base}/messages/${s.id}`);
  // Sent once each: a lost answer leaves at most a half-built copy under the pending key, which
  // the engine's next attempt deletes above before creating the message again.
  const id = (await client.post<{ id: string }>(createUrl, p.json, { once: true })).id;
  try {
    await addAttachments(client, mailbox, id, p);
  } catch (e) {
    // Refused for good (an attachment over the tenant's size limit, which may be lower than the
    // target's maxMessageSizeMB): the message is listed as refused, so its half-built copy, which
    // the mailbox's owner would see without its attachments, goes now; no later attempt would
    // delete it. Anything else (a lost answer, throttling) leaves it under the pending key for the
    // next attempt to delete.
    if (isRefusal(e)) await client.delete(`${mailbox.base}/messages/${id}`).catch(() => undefined);
    throw e;
  }
  await client.patch(`${mailbox.base}/messages/${id}`, {
    singleValueExtendedProperties: [
      { id: ITEM_KEY_PROPERTY, value: p.key },
      { id: PENDING_KEY_PROPERTY, value: '' },
    ],
  });
  return id;
}

async function addAttachments(
  client: GraphClient,
  mailbox: { base: string; userId: string },
  id: string,
  p: Prepared,
): Promise<void> {
  const source = p.source;
  if (source)
    await eachAttachment(source, async (i, bytes) => {
      const a = p.later[i];
      if (!a) throw incomplete(`attachment ${i + 1}`, 'the message parsed differently on the second read');
      await addAttachment(client, mailbox, id, a, bytes);
    });
  else for (const a of p.later) await addAttachment(client, mailbox, id, a);
}

/** A refusal as listed for the item; too large (413) also says how to make room. */
function refusalReason(status: number, message: string): string {
  return status === 413 ? `${message} ${EXCHANGE_TOO_LARGE_FIX}` : message;
}

/** Graph refused the item itself (bad request, too large, unprocessable): retrying will not help. */
function isRefusal(e: unknown): boolean {
  return isGraphError(e) && [400, 413, 422].includes(e.status);
}

/**
 * One attachment: by POST up to 3 MB, else through an upload session in slices. `bytes` streams a
 * deferred attachment's content (read again from the message), else `a.content` is sliced.
 */
async function addAttachment(
  client: GraphClient,
  mailbox: { base: string; userId: string },
  messageId: string,
  a: GraphAttachment,
  bytes?: AsyncIterable<Buffer>,
): Promise<void> {
  const url = `${mailbox.base}/messages/${messageId}/attachments`;
  if (a.size <= MESSAGE_LIMITS.inlineAttachmentBytes) {
    const content = bytes ? await collect(bytes, a.size) : a.content;
    if (content.length !== a.size) throw incomplete(a.name, `${content.length} of ${a.size} bytes read`);
    await client.post(url, fileAttachment({ ...a, content }), { once: true });
    return;
  }
  const session = await client.post<{ uploadUrl: string }>(`${url}/createUploadSession`, {
    AttachmentItem: {
      attachmentType: 'file',
      name: a.name,
      size: a.size,
      contentType: a.contentType,
      isInline: a.isInline,
      ...(a.contentId ? { contentId: a.contentId } : {}),
    },
  });
  let start = 0;
  for await (const part of slices(a, bytes, MESSAGE_LIMITS.uploadChunkBytes)) {
    if (start + part.length > a.size) throw incomplete(a.name, 'more bytes than its size');
    const res = await client.uploadChunk(session.uploadUrl, part, start, a.size, mailbox.userId);
    start += part.length;
    if (start >= a.size && res.status !== 201 && res.status !== 200) {
      throw new GraphError(
        'GRAPH_UPLOAD_INCOMPLETE',
        `The upload of attachment "${a.name}" did not complete (HTTP ${res.status}); the message is retried.`,
        { status: res.status, graphCode: null },
      );
    }
  }
  if (start !== a.size) throw incomplete(a.name, `${start} of ${a.size} bytes read`);
}

/** Upload slices of `size` bytes (the last one shorter): views of a held attachment, or gathered from a stream. */
async function* slices(
  a: GraphAttachment,
  bytes: AsyncIterable<Buffer> | undefined,
  size: number,
): AsyncGenerator<Buffer> {
  if (!bytes) {
    for (let start = 0; start < a.content.length; start += size)
      yield a.content.subarray(start, Math.min(a.content.length, start + size));
    return;
  }
  let slice = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of bytes) {
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(size - filled, chunk.length - at);
      chunk.copy(slice, filled, at, at + n);
      filled += n;
      at += n;
      if (filled === size) {
        yield slice;
        slice = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled) yield slice.subarray(0, filled);
}

async function collect(bytes: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of bytes) {
    n += chunk.length;
    if (n > limit) break;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function incomplete(name: string, why: string): GraphError {
  return new GraphError(
    'GRAPH_UPLOAD_INCOMPLETE',
    `The upload of attachment "${name}" did not complete (${why}); the message is retried.`,
    { status: 0, graphCode: null },
  );
}
