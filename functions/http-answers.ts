import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { isCodedError } from '../shared/domain/errors';
import { SECRET_ERROR_HTTP_STATUS } from '../shared/secrets/store';
import { STATE_ERROR_HTTP_STATUS } from '../shared/state';
import { logFor } from './log';

/**
 * How triggers answer: JSON bodies, and errors as `{code, message, ...}` data with the HTTP status
 * their code calls for. Unexpected errors answer 500 without their details (which go to the log).
 */
const STATUS_BY_CODE: Record<string, number> = {
  ...STATE_ERROR_HTTP_STATUS,
  ...SECRET_ERROR_HTTP_STATUS,
  BATCH_REQUEST_INVALID: 400,
  REQUEST_INVALID: 400,
  BATCH_RUNNING: 409,
  BLOB_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  'settings.invalid': 500,
  // A connection test that reached no server, or whose login was refused: the endpoint's fault.
  MAIL_BAD_SETTINGS: 400,
  MAIL_CONNECT_FAILED: 502,
  MAIL_AUTH_FAILED: 422,
  MAIL_TLS_UNTRUSTED: 502,
  ENDPOINT_UNREACHABLE: 502,
  ENDPOINT_INSECURE: 400,
  ENDPOINT_PASSWORD_REQUIRED: 400,
};

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body };
}

export function problem(
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): HttpResponseInit {
  return json(status, { code, message, ...details });
}

export function fromError(e: unknown, log: (msg: string) => void): HttpResponseInit {
  if (isCodedError(e)) {
    const status = STATUS_BY_CODE[e.code] ?? (e as { status?: number }).status ?? 400;
    return json(status, e.toJSON());
  }
  log(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
  return problem(500, 'INTERNAL_ERROR', 'The request failed inside the service; the log has the details.');
}

/** Runs a handler body and answers any error it throws as coded data (see fromError). */
export async function answering(
  context: InvocationContext,
  body: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await body();
  } catch (e) {
    return fromError(e, (m) => logFor(context).error(m));
  }
}

/** A request body that failed its zod schema: 400 naming the first bad field and what it needs. */
export function invalidBody(error: {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}): HttpResponseInit {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  return problem(400, 'REQUEST_INVALID', `${field || 'body'}: ${issue?.message ?? 'send a JSON object'}`, {
    field,
  });
}
