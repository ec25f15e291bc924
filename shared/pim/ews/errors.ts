import { CodedError } from '../../domain/errors';

/**
 * Error codes of the EWS source. A mailbox-level failure is an EwsError (`{code, message,
 * transient, ...where}`); a single item that cannot be read becomes a PimUnsupported item instead,
 * so the rest of the mailbox continues. Never a password in a message or a detail.
 */
export const EwsErrorCode = {
  badSettings: 'EWS_BAD_SETTINGS',
  unreachable: 'EWS_UNREACHABLE',
  authFailed: 'EWS_AUTH_FAILED',
  impersonationDenied: 'EWS_IMPERSONATION_DENIED',
  mailboxNotFound: 'EWS_MAILBOX_NOT_FOUND',
  serverBusy: 'EWS_SERVER_BUSY',
  requestRejected: 'EWS_REQUEST_REJECTED',
  badResponse: 'EWS_BAD_RESPONSE',
  tooLarge: 'EWS_RESPONSE_TOO_LARGE',
  tooManyItems: 'EWS_TOO_MANY_ITEMS',
} as const;
export type EwsErrorCode = (typeof EwsErrorCode)[keyof typeof EwsErrorCode];

/** Codes of items the source read but hands on as PimUnsupported. */
export const PimSkipCode = {
  distributionList: 'PIM_DISTRIBUTION_LIST',
  malformed: 'PIM_MALFORMED',
  unknownTimeZone: 'PIM_UNKNOWN_TIME_ZONE',
  unsupportedItem: 'PIM_UNSUPPORTED_ITEM',
  tooManyExceptions: 'PIM_TOO_MANY_EXCEPTIONS',
} as const;

export class EwsError extends CodedError {
  /** True when the same call may succeed later (busy server, network): retry, do not fail the mailbox. */
  readonly transient: boolean;
  constructor(code: EwsErrorCode, message: string, details: Record<string, unknown> = {}) {
    const transient = code === EwsErrorCode.serverBusy || code === EwsErrorCode.unreachable;
    super(code, message, { transient, ...details });
    this.name = 'EwsError';
    this.transient = transient;
  }
}

const IMPERSONATION_FIX =
  'grant the service account impersonation rights on Exchange 2007: ms-Exch-EPI-Impersonation on each Client Access server ' +
  '(Add-ADPermission -Identity (Get-ExchangeServer CAS).DistinguishedName -User SVC -ExtendedRights ms-Exch-EPI-Impersonation) ' +
  'and ms-Exch-EPI-May-Impersonate on the mailbox databases or the users ' +
  '(Add-ADPermission -Identity (Get-MailboxDatabase DB).DistinguishedName -User SVC -ExtendedRights ms-Exch-EPI-May-Impersonate)';

/** The coded error for an EWS ResponseCode (from a SOAP fault or a response message). */
export function errorForResponseCode(
  responseCode: string,
  serverMessage: string,
  where: { operation: string; mailbox: string },
): EwsError {
  const said = `EWS ${where.operation} for ${where.mailbox} answered ${responseCode}${serverMessage ? `: ${serverMessage}` : ''}`;
  switch (responseCode) {
    case 'ErrorImpersonateUserDenied':
    case 'ErrorImpersonationDenied':
    case 'ErrorImpersonationFailed':
      return new EwsError(
        EwsErrorCode.impersonationDenied,
        `${said}. The account may not impersonate this mailbox: ${IMPERSONATION_FIX}.`,
        {
          responseCode,
          ...where,
        },
      );
    case 'ErrorNonExistentMailbox':
    case 'ErrorMailboxMoveInProgress':
    case 'ErrorMailboxStoreUnavailable':
      return new EwsError(
        EwsErrorCode.mailboxNotFound,
        `${said}. Exchange has no mailbox for this address: check the CSV row's address (it must be the mailbox's primary SMTP address).`,
        { responseCode, ...where },
      );
    case 'ErrorServerBusy':
    case 'ErrorTimeoutExpired':
    case 'ErrorInternalServerTransientError':
      return new EwsError(
        EwsErrorCode.serverBusy,
        `${said}. The Exchange server is busy: the step is retried later.`,
        {
          responseCode,
          ...where,
        },
      );
    case 'ErrorAccessDenied':
      return new EwsError(
        EwsErrorCode.authFailed,
        `${said}. The account may not read this mailbox: ${IMPERSONATION_FIX}; or use the user's own credentials.`,
        {
          responseCode,
          ...where,
        },
      );
    default:
      return new EwsError(
        EwsErrorCode.requestRejected,
        `${said}. Exchange refused the request: check that the server is Exchange 2007 SP1 or later and that the url points at /EWS/Exchange.asmx.`,
        { responseCode, ...where },
      );
  }
}

export function authFailed(where: {
  operation: string;
  mailbox: string;
  user: string;
  impersonation: boolean;
}): EwsError {
  const fix = where.impersonation
    ? `check the admin account's password in the secret store (and its domain for NTLM); an account without impersonation rights is refused per mailbox: ${IMPERSONATION_FIX}`
    : "check the user's login name (DOMAIN\\user or user@domain) and password in the CSV";
  return new EwsError(
    EwsErrorCode.authFailed,
    `EWS ${where.operation} for ${where.mailbox}: the server refused the login of ${where.user} (HTTP 401): ${fix}.`,
    where,
  );
}
