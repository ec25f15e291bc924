import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { isCodedError } from '../shared/domain/errors';
import { httpStatusFor, withHint } from '../shared/domain/codes';
import { logFor } from './log';

/**
 * How triggers answer: JSON bodies, and errors as `{code, message, ...}` data with the HTTP status
 * the code registry (shared/domain/codes.ts) gives their code. Unexpected errors answer 500 without
 * their details (which go to the log).
 */
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
    const status = httpStatusFor(e.code);
    return json(status, withHint(e.toJSON()));
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
