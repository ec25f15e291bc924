import { isErrorCode, isTransient } from '../domain/codes';
import { MailError, isConnectionError, isTemporaryRefusal } from './errors';

/**
 * Transient or permanent: what a caller does with an error from the engine or a target.
 * Transient (try the same call again later, after a backoff): a dropped, refused or timed-out
 * connection, throttling, an answer that was lost, a 5xx or 429 from an HTTP service (Graph,
 * Table Storage), a temporary NO ([UNAVAILABLE], [INUSE]...), a checkpoint changed by another call.
 * Permanent (the mailbox ends with the coded error): authentication, bad settings, a folder missing
 * on the source, the bad-item limit, an abort, and anything not known to be transient.
 * Duck-typed on `code` / `status` / `statusCode` so that it knows no target's error classes.
 */
export interface ErrorClass {
  transient: boolean;
  /** A wait the server asked for (throttling), when it named one. */
  retryAfterMs?: number;
}

/** Node/undici network error codes. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function classifyError(e: unknown): ErrorClass {
  const err = (e ?? {}) as {
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
    details?: { retryAfterMs?: unknown };
    cause?: unknown;
  };
  const retryAfterMs = typeof err.details?.retryAfterMs === 'number' ? err.details.retryAfterMs : undefined;
  // Our own codes say themselves whether retrying helps (shared/domain/codes.ts).
  if (e instanceof MailError) return { transient: isTransient(e.code), retryAfterMs };
  const code = typeof err.code === 'string' ? err.code : '';
  if (isErrorCode(code)) return isTransient(code) ? { transient: true, retryAfterMs } : { transient: false };
  if (NETWORK_CODES.has(code) || isConnectionError(e) || isTemporaryRefusal(e)) return { transient: true };
  const status =
    typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : 0;
  // An HTTP error from a service we call (Table Storage's RestError has statusCode).
  if (status === 408 || status === 429 || status >= 500) return { transient: true };
  if (err.cause && err.cause !== e) return classifyError(err.cause);
  return { transient: false };
}
