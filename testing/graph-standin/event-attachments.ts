/**
 * File attachments on events as Graph v1.0 takes them (Add attachment, attachment:
 * createUploadSession): a fileAttachment under 3 MB by POST, larger ones (up to 150 MB) through an
 * upload session whose chunks the mail side's upload route receives; GET, DELETE.
 */
import { randomBytes } from 'node:crypto';
import { graphError, isReply, jsonBody, notFound, page, type GraphReply, type GraphRequest } from './http';
import { attachmentJson, toAttachment } from './mail';
import type { StandinEvent } from './pim-state';
import type { StandinState } from './state';
import type { CalendarCtx } from './event-rules';

/** Graph takes attachments under 3 MB by POST and up to 150 MB by upload session. */
export const EVENT_LIMITS = {
  maxPostedAttachmentBytes: 3 * 1024 * 1024,
  maxAttachmentBytes: 150 * 1024 * 1024,
};

/** `/events/{id}/attachments`: POST a fileAttachment (under 3 MB), GET, DELETE, createUploadSession. */
export function eventAttachments(
  state: StandinState,
  req: GraphRequest,
  ctx: CalendarCtx,
  ev: StandinEvent,
  rest: string[],
): GraphReply | null {
  if (rest.length === 0 && req.method === 'GET')
    return page(
      req,
      ev.attachments.map((a) => attachmentJson(a)),
      10,
      100,
    );
  if (rest.length === 0 && req.method === 'POST') {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const a = toAttachment(body, 'post');
    if (isReply(a)) return a;
    if (a.size > EVENT_LIMITS.maxPostedAttachmentBytes)
      return graphError(
        413,
        'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize',
        'Attachments over 3 MB need an upload session.',
      );
    ev.attachments.push(a);
    return { status: 201, body: attachmentJson(a) };
  }
  if (rest.length === 1 && rest[0] === 'createUploadSession' && req.method === 'POST')
    return uploadSession(state, req, ctx, ev);
  if (rest.length !== 1) return null;
  const a = ev.attachments.find((x) => x.id === decodeURIComponent(rest[0]!));
  if (!a) return notFound();
  if (req.method === 'GET') return { status: 200, body: attachmentJson(a) };
  if (req.method === 'DELETE') {
    ev.attachments = ev.attachments.filter((x) => x !== a);
    return { status: 204 };
  }
  return null;
}

function uploadSession(
  state: StandinState,
  req: GraphRequest,
  ctx: CalendarCtx,
  ev: StandinEvent,
): GraphReply {
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
  )
    return graphError(
      400,
      'ErrorInvalidParameter',
      'AttachmentItem needs attachmentType "file", name and size.',
    );
  if (size > EVENT_LIMITS.maxAttachmentBytes)
    return graphError(
      413,
      'ErrorAttachmentSizeLimitExceeded',
      `An attachment may be at most ${EVENT_LIMITS.maxAttachmentBytes} bytes.`,
    );
  const token = randomBytes(18).toString('base64url');
  const expiresAt = Date.now() + 60 * 60_000;
  state.uploadSessions.set(token, {
    token,
    userId: ctx.user.id,
    messageId: ev.id,
    item: 'event',
    name: item.name,
    contentType: typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream',
    size,
    isInline: item.isInline === true,
    contentId: typeof item.contentId === 'string' ? item.contentId : null,
    received: [],
    nextOffset: 0,
    expiresAt,
  });
  return {
    status: 201,
    body: {
      uploadUrl: `${req.baseUrl.replace(/\/v1\.0$/, '')}/upload/${token}`,
      expirationDateTime: new Date(expiresAt).toISOString(),
      nextExpectedRanges: ['0-'],
    },
  };
}
