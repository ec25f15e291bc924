import { CodedError } from '../domain/errors';

/**
 * The codes the state repositories throw, with the HTTP status an API answer should carry.
 * Boundaries map `err.code` through this table; everything else is a 500.
 */
export const STATE_ERROR_HTTP_STATUS = {
  ENDPOINT_NOT_FOUND: 404,
  ENDPOINT_NAME_TAKEN: 409,
  ENDPOINT_IN_USE: 409,
  ENDPOINT_INVALID: 400,
  BATCH_NOT_FOUND: 404,
  BATCH_NAME_TAKEN: 409,
  BATCH_INVALID: 400,
  BATCH_ILLEGAL_TRANSITION: 409,
  MAILBOX_NOT_FOUND: 404,
  MAILBOX_INVALID: 400,
  PAGE_TOKEN_INVALID: 400,
  STATE_CONFLICT: 503,
  STATE_CORRUPT_ENTITY: 500,
} as const;
export type StateErrorCode = keyof typeof STATE_ERROR_HTTP_STATUS;

export function stateError(
  code: StateErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): CodedError {
  return new CodedError(code, message, details);
}

/** The HTTP status of an Azure SDK RestError (`statusCode`), if the error is one. */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const s = (err as { statusCode: unknown }).statusCode;
    return typeof s === 'number' ? s : undefined;
  }
  return undefined;
}
