import { code, retry, type CodeSpec } from './code-spec';
import { CSV_CODES } from './codes-csv';
import { GRAPH_CODES } from './codes-graph';
import { SETTINGS_CODES } from './codes-settings';

export type { CodeSpec } from './code-spec';

/**
 * Every error code mailferry reports, in one place: the HTTP status an API answer carries, what the
 * person reading it should do, and whether trying again later can help (the retry logic asks
 * `isTransient`). Codes are SCREAMING_SNAKE_CASE, grouped by the part of the system that raises
 * them; three areas have their own files (codes-settings.ts, codes-csv.ts, codes-graph.ts). A
 * test (test/domain/codes.test.ts) fails when the code uses a code that is not registered, or when
 * a registered code is no longer used.
 *
 * An upstream refusal (Graph's or an IMAP server's 401) is never answered as the API's own 401: the
 * API's 401 means "your mailferry key is wrong", and the dashboard forgets the key on it.
 */
export const ERROR_CODES = {
  ...SETTINGS_CODES,
  ...CSV_CODES,
  ...GRAPH_CODES,
  // Requests to the API
  REQUEST_INVALID: code(400, 'Correct the named field or parameter and send the request again.'),
  BLOB_NOT_FOUND: code(404, 'Upload the CSV to the migration-batches container first, then name it.'),
  NOT_FOUND: code(404, 'Check the address: the dashboard and the API are the only things served.'),
  INTERNAL_ERROR: code(500, 'Look in the service log for the details, then retry.'),
  REPORT_NOT_FOUND: code(404, 'List the batch reports and use a name from that list.'),

  // Batches, mailboxes and endpoints in state
  BATCH_NOT_FOUND: code(404, 'List the batches and use an id from that list.'),
  BATCH_NAME_TAKEN: code(409, 'Choose another batch name, or remove the old batch first.'),
  BATCH_INVALID: code(400, 'Correct the named batch option.'),
  BATCH_REQUEST_INVALID: code(400, 'Correct the named batch option and upload again.'),
  BATCH_ILLEGAL_TRANSITION: code(409, 'Use one of the actions the answer lists for the batch status.'),
  BATCH_RUNNING: code(409, 'Wait for the batch run to finish, or stop it first.'),
  BATCH_NOT_SYNCABLE: code(400, 'Start the batch, or remove it and run again.'),
  BATCH_CLOSED: code(
    409,
    'Make a new batch for these mailboxes: a completed or removed batch stays as it is.',
  ),
  PLAN_MAILBOX_FAILED: code(502, 'Check that both servers answer and the mailbox logs in, then plan again.'),
  PLAN_RUNNING: code(409, 'Wait for the running plan to finish (GET the plan), then plan again.'),
  PLAN_NOT_FOUND: code(404, 'Start a plan first: POST /api/batches/{id}/plan.'),
  PLAN_FAILED: code(500, 'Look in the service log for the reason, then plan again.'),
  MAILBOX_NOT_FOUND: code(404, 'Check the address: it must be a mailbox of this batch.'),
  MAILBOX_INVALID: code(400, 'Correct the named mailbox field.'),
  PAGE_TOKEN_INVALID: code(400, 'Start again from the first page.'),
  ENDPOINT_NOT_FOUND: code(404, 'Create the endpoint first, or use a name from the endpoint list.'),
  ENDPOINT_NAME_TAKEN: code(409, 'Choose another endpoint name, or update the existing endpoint.'),
  ENDPOINT_IN_USE: code(409, 'Remove the batches that use this endpoint first.'),
  ENDPOINT_INVALID: code(400, 'Correct the named endpoint setting.'),
  ENDPOINT_TYPE_UNSUPPORTED: code(400, 'Use an endpoint type that supports this operation.'),
  ENDPOINT_INSECURE: code(
    400,
    'Use security "tls" or "starttls": clear text is allowed only to this machine.',
  ),
  ENDPOINT_PASSWORD_REQUIRED: code(400, 'Send the password again with the new host, port or security.'),
  ENDPOINT_UNREACHABLE: retry(
    502,
    'Check the host, port and security of the endpoint and that the server is up.',
  ),
  BLOB_CLAIMED: code(409, 'Nothing to do: the drop trigger is already making a batch of this file.'),
  TARGET_TYPE_UNSUPPORTED: code(422, 'Use an IMAP or Microsoft 365 endpoint as the target.'),
  STATE_CONFLICT: retry(503, 'Retry: another change to the same record won the race.'),
  STATE_CORRUPT_ENTITY: code(500, 'Repair or remove the named table row; it was edited outside mailferry.'),
  INGEST_FAILED: retry(500, 'Drop the CSV again; the log has the details.'),
  MAILBOX_IN_ACTIVE_BATCH: code(
    422,
    'Remove the row, or complete or remove the other batch first: one mailbox is copied by one batch.',
  ),
  PREFLIGHT_FAILED: code(422, 'Fix what the tenant check names, then start the batch again.'),

  // Secrets
  SECRET_NAME_INVALID: code(400, 'Use a secret name of letters, digits and dashes.'),
  SECRET_VALUE_INVALID: code(400, 'Give a non-empty secret value.'),
  SECRET_REF_INVALID: code(400, 'Give the secret again: the stored reference is not valid.'),
  SECRET_KEY_MISSING: code(500, 'Restore the local secret key file, or set the secrets again.'),
  SECRET_KEY_INVALID: code(500, 'Restore the local secret key file, or set the secrets again.'),
  SECRET_STORE_UNREADABLE: code(
    500,
    'Restore the secret store file from a backup, or set the secrets again.',
  ),
  SECRET_STORE_UNAVAILABLE: retry(503, 'Retry; check that the app can reach its Key Vault.'),

  // Exchange Online over IMAP (XOAUTH2) and the microsoft365 endpoint
  ENDPOINT_CREDENTIAL_MISSING: code(
    400,
    'Give the endpoint its client secret or certificate as its password.',
  ),
  EXO_IMAP_PERMISSION_MISSING: code(
    422,
    'Grant the app IMAP.AccessAsApp (Office 365 Exchange Online) with admin consent.',
  ),
  EXO_IMAP_LOGIN_REFUSED: code(
    422,
    'Run New-ServicePrincipal and Add-MailboxPermission -AccessRights FullAccess for the app (docs/exchange-online.md).',
  ),
  EXO_MAILBOX_ACCESS_MISSING: code(422, 'Give the app FullAccess on the mailbox with Add-MailboxPermission.'),
  EXO_IMAP_DISABLED: code(422, 'Turn IMAP on for the mailbox: Set-CASMailbox -ImapEnabled $true.'),
  EXO_SERVICE_PRINCIPAL_MISSING: code(
    422,
    'Register the app in Exchange Online with New-ServicePrincipal (docs/exchange-online.md).',
  ),

  // The mail copy engine
  MAIL_BAD_SETTINGS: code(400, 'Correct the named IMAP endpoint setting.'),
  MAIL_CONNECT_FAILED: retry(
    502,
    'Check the host, port and security of the endpoint and that the server is up.',
  ),
  MAIL_TLS_UNTRUSTED: code(
    502,
    'Give the endpoint the server CA (settings.tlsCa), or fix the server certificate and its name.',
  ),
  MAIL_AUTH_FAILED: code(422, 'Check the user name, password and admin login format of the endpoint.'),
  MAIL_CONNECTION_LOST: retry(502, 'Nothing to do: mailferry reconnects and goes on.'),
  MAIL_THROTTLED: retry(503, 'Nothing to do: mailferry waits as the server asks and goes on.'),
  MAIL_FOLDER_MISSING: code(422, 'Plan the mailbox again: the folder is not in its plan.'),
  MAIL_FOLDER_CREATE_FAILED: code(
    422,
    'Create the folder on the target by hand, or rename it on the source.',
  ),
  MAIL_APPEND_REFUSED: code(422, 'See the reason: the target refused the message; it is listed as skipped.'),
  MAIL_MESSAGE_TOO_LARGE: code(
    422,
    'Raise the target message size limit; the message is copied on the next pass.',
  ),
  MAIL_BAD_ITEM_LIMIT: code(
    422,
    'Look at the skipped items, then raise the bad item limit or fix the source.',
  ),
  MAIL_ABORTED: code(503, 'Nothing to do: the run was stopped and resumes where it was.'),
  MAIL_APPEND_OUTCOME_UNKNOWN: retry(
    502,
    'Nothing to do: mailferry looks the message up on the target before sending it again.',
  ),
  MAIL_STATE_CONFLICT: retry(
    409,
    'Nothing to do: another call holds the folder; this one waits and tries again.',
  ),
  MAIL_STATE_FAILED: retry(503, 'Retry; check that the app can reach its storage account.'),
  MAIL_SOURCE_SIZE_MISMATCH: code(
    502,
    'The source server sent a large message in another size than it announced: check the message on the source.',
  ),
  COPY_TRANSIENT_ERRORS_PERSISTED: code(
    502,
    'Check that the source and target servers are up and reachable, then start the batch again.',
  ),
  COPY_FAILED: code(500, 'Look in the service log for the details, then start the batch again.'),
  TARGET_CHECK_FAILED: code(422, 'Check that the target mailbox exists and the target endpoint can log in.'),

  // Contacts and calendars: Exchange 2007 over EWS, and items any PIM source hands over
  EWS_BAD_SETTINGS: code(400, 'Correct the named EWS setting of the source endpoint.'),
  EWS_UNREACHABLE: retry(502, 'Check the EWS URL and that the Exchange server is up and reachable.'),
  EWS_AUTH_FAILED: code(
    422,
    'Check the EWS user name, domain and password, and the auth method (basic or ntlm).',
  ),
  EWS_IMPERSONATION_DENIED: code(
    422,
    'Give the admin account the ms-Exch-EPI-Impersonation and May-Impersonate rights (Exchange 2007).',
  ),
  EWS_MAILBOX_NOT_FOUND: code(422, 'Check the mailbox address: Exchange has no such mailbox.'),
  EWS_SERVER_BUSY: retry(503, 'Nothing to do: mailferry waits as Exchange asks and goes on.'),
  EWS_REQUEST_REJECTED: code(502, 'Report this: Exchange refused a request mailferry made.'),
  EWS_BAD_RESPONSE: retry(502, 'Retry; if it persists, check what sits between mailferry and Exchange.'),
  EWS_RESPONSE_TOO_LARGE: code(502, 'Report this: an Exchange answer was over the size mailferry reads.'),
  EWS_TOO_MANY_ITEMS: code(
    422,
    'Split the folder on the source: it is over the number of items mailferry lists.',
  ),
  PIM_SOURCE_UNSUPPORTED: code(400, 'Give the source endpoint a dav or ews block, not both.'),
  PIM_SOURCE_LOGIN_FAILED: code(422, 'Check the CalDAV/CardDAV login and password of the source endpoint.'),
  PIM_SOURCE_UNREACHABLE: retry(502, 'Check the CalDAV/CardDAV URL and that the server is up.'),
  PIM_SOURCE_FAILED: retry(502, 'Retry; the message has what the CalDAV/CardDAV server answered.'),
  PIM_COPY_FAILED: code(500, 'Look in the service log for the details, then sync the batch again.'),
  PIM_WRITE_FAILED: retry(502, 'Nothing to do: the item is written again on the next pass.'),
  PIM_WRONG_KIND: code(422, 'Move the item into a calendar or address book of its own kind on the source.'),
  PIM_NOT_AN_EVENT: code(
    422,
    'Nothing to do: tasks and journal entries are not migrated; the item is listed.',
  ),
  PIM_RECURRENCE_INVALID: code(
    422,
    'Fix the series rule on the source (it breaks RFC 5545), then sync again.',
  ),
  PIM_SERIES_EXPANDED: code(
    422,
    'Nothing to do: Graph cannot express this rule, so its occurrences are single events.',
  ),
  PIM_SERIES_TOO_LONG: code(
    422,
    'Give the series an end on the source: only its first occurrences were written.',
  ),
  PIM_EXCEPTION_UNMATCHED: code(
    422,
    'Edit the occurrence again in Outlook: its original start was not in the series.',
  ),
  PIM_CONTACT_FIELDS_MOVED: code(
    422,
    'Nothing to do: fields Graph has no room for are in the contact notes.',
  ),
  PIM_ATTACHMENT_SKIPPED: code(
    422,
    'Attach the file again in Outlook: it is over what Graph takes for an event.',
  ),
  PIM_PHOTO_SKIPPED: code(422, 'Add the photo again in Outlook: the source photo could not be used.'),
  PIM_DISTRIBUTION_LIST: code(
    422,
    'Recreate the distribution list as a group in Microsoft 365: Graph has no contact groups.',
  ),
  PIM_MALFORMED: code(422, 'Open and save the item again on the source, or recreate it; the rest migrated.'),
  PIM_UNKNOWN_TIME_ZONE: code(422, 'Give the series a standard time zone on the source, then sync again.'),
  PIM_UNSUPPORTED_ITEM: code(422, 'Move the item to a mail folder: it is not a contact or an event.'),
  PIM_TOO_MANY_EXCEPTIONS: code(
    422,
    'Split the series on the source: it has more exceptions than mailferry carries.',
  ),

  // The cutover: the source directory, forwarding, the conversion pack, DNS
  DIRECTORY_ENDPOINT_NOT_FOUND: code(
    422,
    'Create the ldap endpoint the batch names, or correct the batch option.',
  ),
  DIRECTORY_BIND_FAILED: code(422, 'Check the bind DN and password of the ldap endpoint.'),
  DIRECTORY_UNREACHABLE: retry(
    502,
    'Check the directory URL and that the domain controller is up and reachable.',
  ),
  DIRECTORY_TLS_FAILED: code(
    502,
    'Give the ldap endpoint the directory CA (caCertificatePem), or fix its certificate.',
  ),
  DIRECTORY_USER_NOT_FOUND: code(422, 'Check the address, or how the endpoint finds users (findBy).'),
  DIRECTORY_USER_AMBIGUOUS: code(422, 'Make the address belong to one directory user only.'),
  DIRECTORY_ENTRY_NOT_FOUND: code(422, 'The directory entry is gone: check that the user still exists.'),
  DIRECTORY_WRITE_REFUSED: code(
    422,
    'Give the bind account write access to targetAddress (and proxyAddresses for the conversion).',
  ),
  DIRECTORY_VALUE_CHANGED: retry(
    409,
    'Nothing to do: the value changed while mailferry wrote it; the step reads it again.',
  ),
  DIRECTORY_OPERATION_FAILED: code(502, 'See the message: the directory refused the operation.'),
  FORWARDING_FAILED: code(422, 'See the message, fix the directory, then retry forwarding from the batch.'),
  FORWARDING_DOMAIN_MISSING: code(
    400,
    'Set the batch option forwardingDomain: a non-Microsoft target has no routing domain.',
  ),
  FORWARDING_NO_ROUTING_ADDRESS: code(
    422,
    'Give the cloud user an @<tenant>.mail.onmicrosoft.com proxy address.',
  ),
  FORWARDING_CHANGED_SINCE: code(
    409,
    'Someone changed targetAddress since mailferry set it: restore it by hand if needed.',
  ),
  CONVERSION_CSV_INVALID: code(400, 'Send the CSV that Export-CloudMailboxes.ps1 wrote, unchanged.'),
  CONVERSION_CSV_TOO_LARGE: code(413, 'Send only the batch users: the export CSV is over the size accepted.'),
  CONVERSION_LDAP_OFF: code(
    409,
    'Turn on the batch option applyConversionLdap, or run Convert-ToMailUser.ps1.',
  ),
  NOT_IN_BATCH: code(422, 'Leave the user out: the address is not a mailbox of this batch.'),
  GUID_INVALID: code(400, 'Give ExchangeGuid as a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).'),
  DNS_DOMAIN_INVALID: code(400, 'Give a domain name such as contoso.com.'),
  DNS_DOMAIN_NOT_IN_TENANT: code(422, 'Add and verify the domain in Microsoft 365 first.'),
  DNS_QUERY_FAILED: retry(502, 'Check MAILFERRY_DNS_SERVERS and that the DNS server answers.'),
  DNS_TIMEOUT: retry(504, 'Check MAILFERRY_DNS_SERVERS and that the DNS server answers.'),

  // Reports
  REPORT_FAILED: retry(
    503,
    'Nothing to do for the batch, which went on; open the report later from the batch page.',
  ),
  REPORT_INVALID_INPUT: code(500, 'Report this: the batch report could not be built.'),
  REPORT_INVALID_FIELD: code(500, 'Report this: the batch report could not be built.'),
  REPORT_INVALID_KIND: code(500, 'Report this: the batch report could not be built.'),
  REPORT_INVALID_RECIPIENTS: code(400, 'Correct the report recipient addresses.'),
  REPORT_INVALID_SMTP_CONFIG: code(500, 'Correct the SMTP_* app settings.'),
  REPORT_INVALID_SMTP_FIELD: code(500, 'Correct the named SMTP_* app setting.'),
  REPORT_SMTP_FAILED: retry(
    502,
    'Check the SMTP relay and its login; the report is kept in the reports container.',
  ),
  REPORT_TRANSPORT_FAILED: retry(502, 'Check the mail channel; the report is kept in the reports container.'),
  REPORT_BLOB_WRITE_FAILED: retry(503, 'Retry; check that the app can reach its storage account.'),

  // The mailferry command
  API_KEY_TOO_SHORT: code(400, 'Use an API key of at least 16 random characters.'),
  CONFIG_INVALID: code(400, 'Correct the named field of the run config file.'),
  CONFIG_UNREADABLE: code(400, 'Give a readable JSON config file.'),
  SERVICE_UNREACHABLE: retry(503, 'Start the service (mailferry serve) or check --url.'),
  URL_INVALID: code(400, 'Give --url as http(s)://host[:port].'),
  PASSWORD_MISSING: code(400, 'Give the password in the named environment variable or on standard input.'),
  PASSWORD_SOURCE: code(400, 'Use --password-env or --password-stdin, not both.'),
  NOTHING_TO_UPDATE: code(400, 'Give at least one option to change.'),
  CLI_SETTINGS_INVALID: code(400, 'Pass --settings a JSON object such as {"maxMessageSizeMB":50}.'),
  REMOVE_TIMEOUT: retry(503, 'Wait, then list the batches: the removal goes on in the service.'),
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

const UNKNOWN: CodeSpec = { status: 500, hint: 'Look in the service log for the details.', transient: false };

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

export function codeSpec(value: string): CodeSpec {
  return isErrorCode(value) ? ERROR_CODES[value] : UNKNOWN;
}

export const httpStatusFor = (value: string): number => codeSpec(value).status;
/** Whether waiting and trying again can help; unknown codes are not retried. */
export const isTransient = (value: string): boolean => codeSpec(value).transient === true;

/** A problem with its registered "what to do" line added (`hint`), for answers and pages people read. */
export function withHint<T extends { code: string }>(problem: T): T & { hint?: string } {
  return isErrorCode(problem.code) ? { ...problem, hint: ERROR_CODES[problem.code].hint } : problem;
}
