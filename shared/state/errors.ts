import type { ErrorCode } from '../domain/codes';
import { CodedError } from '../domain/errors';

/** The codes the state repositories throw (their HTTP status and hint: shared/domain/codes.ts). */
export const STATE_ERROR_CODES = [
  'ENDPOINT_NOT_FOUND',
  'ENDPOINT_NAME_TAKEN',
  'ENDPOINT_IN_USE',
  'ENDPOINT_INVALID',
  'BATCH_NOT_FOUND',
  'BATCH_NAME_TAKEN',
  'BATCH_INVALID',
  'BATCH_ILLEGAL_TRANSITION',
  'MAILBOX_NOT_FOUND',
  'MAILBOX_INVALID',
  'PAGE_TOKEN_INVALID',
  'STATE_CONFLICT',
  'STATE_CORRUPT_ENTITY',
] as const satisfies readonly ErrorCode[];
export type StateErrorCode = (typeof STATE_ERROR_CODES)[number];

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
