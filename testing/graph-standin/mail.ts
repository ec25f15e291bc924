import { randomBytes, randomUUID } from 'node:crypto';
import type { Directory } from './directory';
import { noMailbox } from './directory';
import { filtered, listPage } from './list';
import { graphError, isReply, jsonBody, page, type GraphReply, type GraphRequest } from './http';
import { filterPropertyIdsProblem, readExtendedProperties } from './extended';
import { ODataError, evaluate, parseFilter, select } from './odata';
import { checkBody, checkQuery } from './schema/validate';
import {
  normalisePropertyId,
  type StandinAttachment,
  type StandinMailbox,
  type StandinMessage,
  type StandinState,
  type StandinUser,
} from './state';

/**
 * Mail side of the stand-in, following Graph's documented behaviour: folders by id or well-known
 * name, messages created as JSON (a draft unless PidTagMessageFlags clears MSGFLAG_UNSENT), extended
 * properties readable by `$expand` and filterable with `singleValueExtendedProperties/Any(...)`,
 * attachments up to 3 MB by POST and larger ones by upload session, sendMail.
 */

export const MAIL_LIMITS = {
  /** Graph refuses a REST request body over 4 MB. */
  maxRequestBodyBytes: 4 * 1024 * 1024,
  /** Attachments by POST must be under 3 MB; larger ones take an upload session. */
  maxPostedAttachmentBytes: 3 * 1024 * 1024,
  /** Upload session chunks: at most 4 MB each. */
  maxUploadChunkBytes: 4 * 1024 * 1024,
};

const MESSAGE_FIELDS = new Set([
  'subject',
  'body',
  'from',
  'sender',
  'torecipients',
  'ccrecipients',
  'bccrecipients',
  'replyto',
  'internetmessageid',
  'internetmessageheaders',
  'isread',
  'importance',
  'categories',
  'flag',
  'singlevalueextendedproperties',
  'multivalueextendedproperties',
  'attachments',
  'isdeliveryreceiptrequested',
  'isreadreceiptrequested',
  'inferenceclassification',
]);

const MSGFLAG_UNSENT = 0x8;

interface Ctx {
  user: StandinUser;
  box: StandinMailbox;
}

function prop(m: StandinMessage, id: string): string | undefined {
  return m.extended.get(normalisePropertyId(id))?.value;
}

export class Mail {
  constructor(
    private readonly state: StandinState,
    private readonly directory: Directory,
    private readonly maxMessageBytes: number,
    /** False in benchmarks: attachment bytes are counted, not kept. */
    private readonly retainBytes: boolean = true,
  ) {}

  private keep(a: StandinAttachment): StandinAttachment {
    return this.retainBytes ? a : { ...a, bytes: Buffer.alloc(0) };
  }

  messageJson(m: StandinMessage, expand: string | null): Record<string, unknown> {
    const flags = Number(prop(m, 'Integer 0x0E07') ?? MSGFLAG_UNSENT);
    const received = prop(m, 'SystemTime 0x0E06') ?? m.createdDateTime;
    const out: Record<string, unknown> = {
      ...m.fields,
      id: m.id,
      parentFolderId: m.parentFolderId,
      createdDateTime: m.createdDateTime,
      receivedDateTime: received,
      sentDateTime: prop(m, 'SystemTime 0x0039') ?? received,
      isDraft: (flags & MSGFLAG_UNSENT) !== 0,
      hasAttachments: m.attachments.some((a) => !a.isInline),
      isRead: m.fields.isRead === true,
      importance: m.fields.importance ?? 'normal',
      categories: m.fields.categories ?? [],
      flag: m.fields.flag ?? { flagStatus: 'notFlagged' },
    };
    // Filters and $expand read extended properties through this list.
    out.singleValueExtendedProperties = [...m.extended.values()];
    const ex = /singleValueExtendedProperties(?:\(\$filter=([^)]*)\))?/i.exec(expand ?? '');
    if (!ex) delete out.singleValueExtendedProperties;
    else if (ex[1]) {
      const f = parseFilter(ex[1]);
      out.singleValueExtendedProperties = [...m.extended.values()].filter((p) =>
        evaluate(f, { ...p, id: p.id }),
      );
    }
    return out;
  }

  handle(req: GraphRequest): GraphReply | null {
    const parts = req.path.split('/').filter(Boolean);
    if (parts[0] !== 'users' || !parts[1] || parts.length < 3) return null;
    const sub = parts[2]!;
    if (!['mailFolders', 'messages', 'sendMail'].includes(sub)) return null;
    const user = this.directory.findUser(parts[1]);
    if (!user)
      return graphError(
        404,
        'ErrorInvalidUser',
        `The requested user '${decodeURIComponent(parts[1])}' is invalid.`,
      );
    const box = this.state.mailboxes.get(user.id);
    if (!user.hasMailbox || !box) return noMailbox();
    const ctx: Ctx = { user, box };
    try {
      if (sub === 'sendMail')
        return req.method === 'POST' && parts.length === 3 ? this.sendMail(req, ctx) : null;
      if (sub === 'mailFolders') return this.folders(req, ctx, parts.slice(3));
      return this.messages(req, ctx, parts.slice(3), null);
    } catch (e) {
      if (e instanceof ODataError) return graphError(400, 'ErrorInvalidUrlQueryFilter', e.message);
      throw e;
    }
  }

  private folderId(box: StandinMailbox, idOrName: string): string | undefined {
    const key = decodeURIComponent(idOrName);
    if (key.toLowerCase() === 'msgfolderroot') return box.rootId;
    if (box.folders.has(key)) return key;
    for (const f of box.folders.values()) if (f.wellKnownName === key.toLowerCase()) return f.id;
    return undefined;
  }

  private folderJson(box: StandinMailbox, id: string): Record<string, unknown> {
    const f = box.folders.get(id)!;
    const messages = [...box.messages.values()].filter((m) => m.parentFolderId === id);
    return {
      id: f.id,
      displayName: f.displayName,
      parentFolderId: f.parentFolderId,
      childFolderCount: [...box.folders.values()].filter((c) => c.parentFolderId === id).length,
      unreadItemCount: messages.filter((m) => m.fields.isRead !== true).length,
      totalItemCount: messages.length,
      isHidden: f.isHidden,
    };
  }

  private folders(req: GraphRequest, ctx: Ctx, rest: string[]): GraphReply | null {
    const { box } = ctx;
    // /mailFolders[/{id}[/childFolders | /messages...]]
    if (rest.length === 0) return this.folderCollection(req, box, box.rootId);
    const id = this.folderId(box, rest[0]!);
    if (!id) return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    if (rest.length === 1 && req.method === 'GET') {
      const badQuery = checkQuery('mailFolder', req, 'item');
      if (badQuery) return badQuery;
      return {
        status: 200,
        body: id === box.rootId ? { id, displayName: 'Top of Information Store' } : this.folderJson(box, id),
      };
    }
    if (rest[1] === 'childFolders' && rest.length === 2) return this.folderCollection(req, box, id);
    if (rest[1] === 'messages') return this.messages(req, ctx, rest.slice(2), id);
    return null;
  }

  private folderCollection(req: GraphRequest, box: StandinMailbox, parentId: string): GraphReply | null {
    if (req.method === 'GET') {
      const badQuery = checkQuery('mailFolder', req, 'collection');
      if (badQuery) return badQuery;
      let list = [...box.folders.values()].filter(
        (f) =>
          f.parentFolderId === parentId && (!f.isHidden || req.query.get('includeHiddenFolders') === 'true'),
      );
      list = filtered(req, list);
      return listPage(
        req,
        list.map((f) => this.folderJson(box, f.id)),
        { maxTop: 999, ordered: false },
      );
    }
    if (req.method !== 'POST') return null;
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const badBody = checkBody('mailFolder', body, 'create');
    if (badBody) return badBody;
    const name = body.displayName;
    if (typeof name !== 'string' || name.trim() === '') {
      return graphError(400, 'ErrorInvalidParameter', 'displayName is required.');
    }
    for (const f of box.folders.values()) {
      if (f.parentFolderId === parentId && f.displayName.toLowerCase() === name.toLowerCase()) {
        return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
      }
    }
    const id = `folder-${randomUUID()}`;
    box.folders.set(id, {
      id,
      displayName: name,
      parentFolderId: parentId,
      wellKnownName: null,
      isHidden: body.isHidden === true,
    });
    return { status: 201, body: this.folderJson(box, id) };
  }

  private messages(req: GraphRequest, ctx: Ctx, rest: string[], folderId: string | null): GraphReply | null {
    const { box } = ctx;
    if (rest.length === 0) {
      if (req.method === 'GET') {
        const badQuery =
          checkQuery('message', req, 'collection', { search: true }) ??
          filterPropertyIdsProblem(req.query.get('$filter')) ??
          filterPropertyIdsProblem(req.query.get('$expand'));
        if (badQuery) return badQuery;
        const list = filtered(
          req,
          [...box.messages.values()].filter((m) => folderId === null || m.parentFolderId === folderId),
          (m) => this.messageJson(m, 'singleValueExtendedProperties'),
        );
        const expand = req.query.get('$expand');
        return listPage(
          req,
          list.map((m) => this.messageJson(m, expand)),
          { ordered: false },
        );
      }
      if (req.method === 'POST')
        return this.createMessage(req, ctx, folderId ?? this.folderId(box, 'drafts')!);
      return null;
    }
    if (!/^msg-[0-9a-f-]{36}$/.test(decodeURIComponent(rest[0]!)))
      return graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const message = box.messages.get(decodeURIComponent(rest[0]!));
    if (!message || (folderId !== null && message.parentFolderId !== folderId)) {
      return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    if (rest.length === 1) {
      if (req.method === 'GET')
        return (
          checkQuery('message', req, 'item') ??
          filterPropertyIdsProblem(req.query.get('$expand')) ?? {
            status: 200,
            body: select(this.messageJson(message, req.query.get('$expand')), req.query.get('$select')),
          }
        );
      if (req.method === 'DELETE') {
        box.messages.delete(message.id);
        return { status: 204 };
      }
      if (req.method === 'PATCH') {
        const body = jsonBody(req);
        if (isReply(body)) return body;
        const problem = this.applyFields(message, body, false);
        return problem ?? { status: 200, body: this.messageJson(message, null) };
      }
      return null;
    }
    if (rest[1] !== 'attachments') return null;
    if (rest.length === 2 && req.method === 'GET') {
      return page(
        req,
        message.attachments.map((a) => attachmentJson(a)),
        10,
        100,
      );
    }
    if (rest.length === 2 && req.method === 'POST') {
      const body = jsonBody(req);
      if (isReply(body)) return body;
      const a = toAttachment(body, 'post');
      if (isReply(a)) return a;
      if (a.size > MAIL_LIMITS.maxPostedAttachmentBytes) {
        return graphError(
          413,
          'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize',
          'Attachments over 3 MB need an upload session.',
        );
      }
      message.attachments.push(this.keep(a));
      return { status: 201, body: attachmentJson(a) };
    }
    if (rest.length === 3 && rest[2] === 'createUploadSession' && req.method === 'POST') {
      return this.createUploadSession(req, ctx, message);
    }
    return null;
  }

  /** Writes the client's JSON onto a message; returns an error reply when a field is not valid. */
  private applyFields(
    m: StandinMessage,
    body: Record<string, unknown>,
    creating: boolean,
  ): GraphReply | null {
    const invalid = checkBody('message', body, creating ? 'create' : 'update');
    if (invalid) return invalid;
    for (const [k, v] of Object.entries(body)) {
      if (k.startsWith('@odata')) continue;
      const key = k.toLowerCase();
      if (!MESSAGE_FIELDS.has(key)) {
        return graphError(
          400,
          'RequestBodyRead',
          `The property '${k}' does not exist on type 'microsoft.graph.message'.`,
        );
      }
      if (key === 'singlevalueextendedproperties') {
        const props = readExtendedProperties(v);
        if (isReply(props)) return props;
        for (const p of props) m.extended.set(p.key, { id: p.id, value: p.value });
      } else if (key === 'attachments') {
        if (!creating)
          return graphError(
            400,
            'RequestBodyRead',
            'Attachments are added through the attachments collection.',
          );
        for (const raw of (v as Array<Record<string, unknown>>) ?? []) {
          const a = toAttachment(raw, 'message');
          if (isReply(a)) return a;
          m.attachments.push(this.keep(a));
        }
      } else if (key === 'internetmessageheaders') {
        for (const h of (v as Array<{ name?: string }>) ?? []) {
          if (!/^x-/i.test(h.name ?? '')) {
            return graphError(
              400,
              'InvalidInternetMessageHeader',
              `The internet message header name '${h.name ?? ''}' should start with 'x-' or 'X-'.`,
            );
          }
        }
        m.fields.internetMessageHeaders = v;
      } else {
        m.fields[k] = v;
      }
    }
    return null;
  }

  private createMessage(req: GraphRequest, ctx: Ctx, folderId: string): GraphReply {
    if (req.body.length > MAIL_LIMITS.maxRequestBodyBytes) {
      return graphError(
        413,
        'ErrorRequestEntityTooLarge',
        'The request body exceeds the maximum size of 4 MB.',
      );
    }
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const message: StandinMessage = {
      id: `msg-${randomUUID()}`,
      parentFolderId: folderId,
      createdDateTime: new Date().toISOString(),
      fields: {},
      extended: new Map(),
      attachments: [],
    };
    const problem = this.applyFields(message, body, true);
    if (problem) return problem;
    ctx.box.messages.set(message.id, message);
    return { status: 201, body: this.messageJson(message, null) };
  }

  private createUploadSession(req: GraphRequest, ctx: Ctx, message: StandinMessage): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const item = body.AttachmentItem as Record<string, unknown> | undefined;
    const size = Number(item?.size);
    if (
      !item ||
      item.attachmentType !== 'file' ||
      typeof item.name !== 'string' ||
      !Number.isInteger(size) ||
      size <= 0
    ) {
      return graphError(
        400,
        'ErrorInvalidParameter',
        'AttachmentItem needs attachmentType "file", name and size.',
      );
    }
    const existing = message.attachments.reduce((s, a) => s + a.size, 0);
    if (existing + size > this.maxMessageBytes) {
      return graphError(
        413,
        'ErrorMessageSizeExceeded',
        `The message would exceed the maximum size of ${this.maxMessageBytes} bytes.`,
      );
    }
    const token = randomBytes(18).toString('base64url');
    const expiresAt = Date.now() + 60 * 60_000;
    this.state.uploadSessions.set(token, {
      token,
      userId: ctx.user.id,
      messageId: message.id,
      name: item.name,
      contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
      size,
      isInline: item.isInline === true,
      contentId: typeof item.contentId === 'string' ? item.contentId : null,
      received: [],
      nextOffset: 0,
      expiresAt,
    });
    const origin = req.baseUrl.replace(/\/v1\.0$/, '');
    return {
      status: 201,
      body: {
        uploadUrl: `${origin}/upload/${token}`,
        expirationDateTime: new Date(expiresAt).toISOString(),
        nextExpectedRanges: ['0-'],
      },
    };
  }

  /** PUT on an upload URL (no bearer token: the URL is the credential, as on outlook.office.com). */
  uploadChunk(token: string, contentRange: string | undefined, bytes: Buffer): GraphReply {
    const session = this.state.uploadSessions.get(token);
    if (!session || session.expiresAt < Date.now())
      return graphError(404, 'ErrorItemNotFound', 'The upload session was not found or has expired.');
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange ?? '');
    if (!m) return graphError(400, 'InvalidContentRange', 'Content-Range must be "bytes start-end/total".');
    const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (total !== session.size || end < start || end - start + 1 !== bytes.length) {
      return graphError(
        400,
        'InvalidContentRange',
        'Content-Range does not match the body or the declared size.',
      );
    }
    if (bytes.length > MAIL_LIMITS.maxUploadChunkBytes) {
      return graphError(413, 'ErrorRequestEntityTooLarge', 'An upload chunk may be at most 4 MB.');
    }
    if (start !== session.nextOffset) {
      return graphError(416, 'ErrorInvalidRange', `The next expected range is ${session.nextOffset}-.`);
    }
    session.received.push(this.retainBytes ? Buffer.from(bytes) : Buffer.alloc(0));
    session.nextOffset = end + 1;
    if (session.nextOffset < session.size) {
      return {
        status: 200,
        body: {
          expirationDateTime: new Date(session.expiresAt).toISOString(),
          nextExpectedRanges: [`${session.nextOffset}-`],
        },
      };
    }
    this.state.uploadSessions.delete(token);
    const box = this.state.mailboxes.get(session.userId);
    const kind = session.item ?? 'message';
    const message =
      kind === 'event' ? box?.pim.events.get(session.messageId) : box?.messages.get(session.messageId);
    if (!message)
      return graphError(404, 'ErrorItemNotFound', `The ${kind} of this upload session no longer exists.`);
    const attachment: StandinAttachment = {
      id: `att-${randomUUID()}`,
      name: session.name,
      contentType: session.contentType,
      size: session.size,
      isInline: session.isInline,
      contentId: session.contentId,
      bytes: Buffer.concat(session.received),
      via: 'upload-session',
    };
    message.attachments.push(attachment);
    return {
      status: 201,
      headers: {
        location: `/users/${session.userId}/${kind === 'event' ? 'events' : 'messages'}/${message.id}/attachments/${attachment.id}`,
      },
      body: null,
    };
  }

  private sendMail(req: GraphRequest, ctx: Ctx): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const message = body.message as Record<string, unknown> | undefined;
    const to = message?.toRecipients;
    if (!message || !Array.isArray(to) || to.length === 0) {
      return graphError(
        400,
        'ErrorInvalidRecipients',
        "At least one recipient is not valid., A message can't be sent because it contains no recipients.",
      );
    }
    const attachments: Array<{ name: string; contentType: string; bytes: Buffer }> = [];
    for (const raw of (message.attachments as Array<Record<string, unknown>> | undefined) ?? []) {
      const a = toAttachment(raw, 'message');
      if (isReply(a)) return a;
      attachments.push({ name: a.name, contentType: a.contentType, bytes: a.bytes });
    }
    const { attachments: _omit, ...rest } = message;
    this.state.sentMail.push({
      from: ctx.user.mail ?? ctx.user.userPrincipalName,
      saveToSentItems: body.saveToSentItems !== false,
      message: rest,
      attachments,
      at: Date.now(),
    });
    return { status: 202 };
  }
}

export function attachmentJson(a: StandinAttachment): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    id: a.id,
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline,
    contentId: a.contentId,
    contentBytes: a.bytes.toString('base64'),
  };
}

export function toAttachment(
  raw: Record<string, unknown>,
  via: StandinAttachment['via'],
): StandinAttachment | GraphReply {
  if (raw['@odata.type'] !== '#microsoft.graph.fileAttachment') {
    return graphError(
      400,
      'ErrorInvalidParameter',
      'Only #microsoft.graph.fileAttachment is supported by the stand-in.',
    );
  }
  if (typeof raw.name !== 'string' || typeof raw.contentBytes !== 'string') {
    return graphError(400, 'ErrorInvalidParameter', 'A file attachment needs name and contentBytes.');
  }
  const bytes = Buffer.from(raw.contentBytes, 'base64');
  return {
    id: `att-${randomUUID()}`,
    name: raw.name,
    contentType: typeof raw.contentType === 'string' ? raw.contentType : 'application/octet-stream',
    size: bytes.length,
    isInline: raw.isInline === true,
    contentId: typeof raw.contentId === 'string' ? raw.contentId : null,
    bytes,
    via,
  };
}
