import { randomUUID } from 'node:crypto';

/** The stand-in's request/answer shapes, shared by direct requests and $batch sub-requests. */
/** Graph refuses a REST request body over 4 MB (larger attachments go through upload sessions). */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export interface GraphRequest {
  method: string;
  /** Path after /v1.0, e.g. /users/ada@contoso.com/messages. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  /** The calling app (from its bearer token). */
  clientId: string;
  /** http://127.0.0.1:PORT/v1.0, for @odata.nextLink and upload URLs. */
  baseUrl: string;
  inBatch: boolean;
}

export interface GraphReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** A binary answer (a photo's `$value`) instead of JSON. */
  raw?: { contentType: string; bytes: Buffer };
}

/**
 * Graph's error body: `{error: {code, message, innerError: {date, request-id, client-request-id}}}`
 * (the client's `client-request-id` header is echoed by the server once the request is known).
 */
export function graphError(status: number, code: string, message: string): GraphReply {
  const requestId = randomUUID();
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    },
  };
}

export function notFound(): GraphReply {
  return graphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

export function malformedId(): GraphReply {
  return graphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
}

/** Puts the caller's `client-request-id` into an error answer, as Graph echoes it. */
export function echoClientRequestId(reply: GraphReply, clientRequestId: string | undefined): GraphReply {
  const inner = (reply.body as { error?: { innerError?: Record<string, string> } } | undefined)?.error
    ?.innerError;
  if (inner && clientRequestId) inner['client-request-id'] = clientRequestId;
  return reply;
}

export function jsonBody(req: GraphRequest): Record<string, unknown> | GraphReply {
  if (req.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
}

export function isReply(x: unknown): x is GraphReply {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as GraphReply).status === 'number' &&
    ('body' in x || 'raw' in x)
  );
}

/** A page of `items` with Graph's paging: `$top` (capped), `$skip`, `@odata.nextLink`. */
export function page(
  req: GraphRequest,
  items: Array<Record<string, unknown>>,
  defaultTop: number,
  maxTop: number,
): GraphReply {
  const top = Math.min(maxTop, Math.max(1, Number(req.query.get('$top') ?? defaultTop) || defaultTop));
  const skip = Math.max(0, Number(req.query.get('$skip') ?? 0) || 0);
  const slice = items.slice(skip, skip + top);
  const body: Record<string, unknown> = { value: slice };
  if (req.query.get('$count') === 'true') body['@odata.count'] = items.length;
  if (skip + top < items.length) {
    const next = new URLSearchParams(req.query);
    next.set('$skip', String(skip + top));
    next.set('$top', String(top));
    body['@odata.nextLink'] = `${req.baseUrl}${req.path}?${next.toString()}`;
  }
  return { status: 200, body };
}
