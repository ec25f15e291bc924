import { CodedError } from '../domain/errors';

/**
 * Error codes of the mail engine. Errors carry data (`{code, message, ...where}`), never a
 * password, token or message body.
 */
export const MailErrorCode = {
  badSettings: 'MAIL_BAD_SETTINGS',
  connectFailed: 'MAIL_CONNECT_FAILED',
  authFailed: 'MAIL_AUTH_FAILED',
  /** The server's certificate is not trusted (self-signed, unknown CA, wrong name, expired). */
  tlsUntrusted: 'MAIL_TLS_UNTRUSTED',
  folderMissing: 'MAIL_FOLDER_MISSING',
  folderCreateFailed: 'MAIL_FOLDER_CREATE_FAILED',
  appendRefused: 'MAIL_APPEND_REFUSED',
  tooLarge: 'MAIL_MESSAGE_TOO_LARGE',
  throttled: 'MAIL_THROTTLED',
  connectionLost: 'MAIL_CONNECTION_LOST',
  /** An APPEND (or Graph create) was sent but its answer never came: it may or may not be stored. */
  appendUnknown: 'MAIL_APPEND_OUTCOME_UNKNOWN',
  /** Another call changed the folder's checkpoint meanwhile (ETag mismatch): re-read and retry. */
  stateConflict: 'MAIL_STATE_CONFLICT',
  badItemLimit: 'MAIL_BAD_ITEM_LIMIT',
  aborted: 'MAIL_ABORTED',
  state: 'MAIL_STATE_FAILED',
  /** A large message read in slices did not come to the size the source announced (RFC822.SIZE). */
  sourceSizeMismatch: 'MAIL_SOURCE_SIZE_MISMATCH',
} as const;
export type MailErrorCode = (typeof MailErrorCode)[keyof typeof MailErrorCode];

export class MailError extends CodedError {
  constructor(code: MailErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
    this.name = 'MailError';
  }
}

interface ImapFlowError {
  message?: string;
  code?: string;
  responseText?: string;
  responseStatus?: string;
  authenticationFailed?: boolean;
  throttleReset?: number;
  throttleWaited?: number;
  serverResponseCode?: string;
}

/** What the server said, without anything that could hold a secret (no executed command). */
export function serverText(e: unknown): string {
  const err = (e ?? {}) as ImapFlowError;
  return (err.responseText ?? err.message ?? String(e)).slice(0, 300);
}

/** A dropped or unusable connection: reconnect and retry. */
export function isConnectionError(e: unknown): boolean {
  const err = (e ?? {}) as ImapFlowError;
  // Our own coded errors are classified by code (their messages may mention a connection).
  if (e instanceof MailError) return e.code === MailErrorCode.connectionLost;
  return (
    [
      'NoConnection',
      'EConnectionClosed',
      'ECONNRESET',
      'EPIPE',
      'ETIMEDOUT',
      'ECONNREFUSED',
      'ClosedAfterConnectTLS',
    ].includes(err.code ?? '') ||
    /connection (closed|not available|lost)|socket|timeout/i.test(err.message ?? '')
  );
}

/**
 * How long the server asked us to wait, in ms, or undefined when this is not throttling.
 * Exchange says `Request is throttled. Suggested Backoff Time: N milliseconds` (imapflow has then
 * already waited `throttleWaited` of it); others answer `NO [THROTTLED]` without a figure.
 */
export function throttleDelayMs(e: unknown): number | undefined {
  const err = (e ?? {}) as ImapFlowError;
  const text = `${err.responseText ?? ''} ${err.message ?? ''}`;
  if (err.code === 'ETHROTTLE' && typeof err.throttleReset === 'number') {
    return Math.max(0, err.throttleReset - (err.throttleWaited ?? 0));
  }
  const m = /Suggested Backoff Time[:=\s]+(\d+)/i.exec(text);
  if (m) return Number(m[1]);
  if (/\[THROTTLED\]|throttl/i.test(text) || err.serverResponseCode === 'THROTTLED') return 0;
  return undefined;
}

export function isAuthError(e: unknown): boolean {
  const err = (e ?? {}) as ImapFlowError;
  return !!err.authenticationFailed || /AUTHENTICATIONFAILED|authentication failed/i.test(serverText(e));
}

/** An append whose outcome is unknown: look on the target before appending again, never blindly. */
export function isOutcomeUnknown(e: unknown): boolean {
  return e instanceof MailError && e.code === MailErrorCode.appendUnknown;
}

/**
 * RFC 5530 response codes that mean "not now" rather than "never": the same command may succeed
 * later. Anything else in a NO is taken as the server's final word on that message.
 */
const TEMPORARY_CODES = new Set(['UNAVAILABLE', 'INUSE', 'LIMIT', 'SERVERBUG', 'EXPUNGEISSUED']);

export function isTemporaryRefusal(e: unknown): boolean {
  const err = (e ?? {}) as ImapFlowError;
  const code = (
    err.serverResponseCode ??
    /^\[([A-Z-]+)/.exec(err.responseText ?? '')?.[1] ??
    ''
  ).toUpperCase();
  return err.responseStatus === 'NO' && TEMPORARY_CODES.has(code);
}

/** The target folder does not exist (deleted or renamed meanwhile): create it and try again. */
export function isMissingFolder(e: unknown): boolean {
  const err = (e ?? {}) as ImapFlowError;
  const code = (
    err.serverResponseCode ??
    /^\[([A-Z-]+)/.exec(err.responseText ?? '')?.[1] ??
    ''
  ).toUpperCase();
  return code === 'TRYCREATE' || code === 'NONEXISTENT';
}
