import { code, retry } from './code-spec';

/** Microsoft Graph: its answers, a target user's readiness, and the tenant preflight. */
export const GRAPH_CODES = {
  GRAPH_BAD_REQUEST: code(502, 'Report this: Microsoft Graph refused a request mailferry made.'),
  GRAPH_UNAUTHORIZED: code(502, 'Check the app credentials and admin consent in the tenant.'),
  GRAPH_FORBIDDEN: code(502, 'Grant the app the Graph permissions the docs list, with admin consent.'),
  GRAPH_NOT_FOUND: code(404, 'Check that the user or item exists in the tenant.'),
  GRAPH_CONFLICT: retry(409, 'Retry; another change to the same item won.'),
  GRAPH_THROTTLED: retry(503, 'Nothing to do: mailferry waits as Microsoft asks and goes on.'),
  GRAPH_SERVER_ERROR: retry(
    502,
    'Nothing to do: mailferry retries; if it persists, check Microsoft 365 service health.',
  ),
  GRAPH_UNREACHABLE: retry(502, 'Retry; check that the app can reach graph.microsoft.com.'),
  GRAPH_REQUEST_FAILED: retry(502, 'Retry; the message has what Graph answered.'),
  GRAPH_TOO_LARGE: code(422, 'The item is over what Microsoft 365 accepts; it is listed as skipped.'),
  GRAPH_OUTCOME_UNKNOWN: retry(
    502,
    'Nothing to do: mailferry looks the item up by its key before creating it again.',
  ),
  GRAPH_UPLOAD_INCOMPLETE: retry(502, 'Nothing to do: the item is uploaded again on the next pass.'),
  GRAPH_FOLDER_INVALID: code(422, 'Rename the folder on the source: Microsoft 365 refuses this name.'),
  GRAPH_SENDER_INVALID: code(422, 'Set REPORT_SENDER to a mailbox of the tenant.'),
  GRAPH_SENDMAIL_TOO_LARGE: code(422, 'Nothing to do: the report goes by link instead of attachments.'),
  GRAPH_USER_NOT_FOUND: code(422, 'Create the user in Microsoft 365 (directory sync) before the batch.'),
  GRAPH_USER_AMBIGUOUS: code(422, 'Make the address belong to one user only in the tenant.'),
  GRAPH_USER_NOT_MAIL_ENABLED: code(422, 'Give the user a mailbox (a licence with Exchange Online).'),
  GRAPH_USAGE_LOCATION_MISSING: code(422, 'Set the user usage location so a licence can be assigned.'),
  GRAPH_LICENCE_SKU_UNKNOWN: code(422, 'Use a licence SKU id the tenant has (Get-MgSubscribedSku).'),
  GRAPH_LICENCE_NONE_AVAILABLE: code(422, 'Buy or free licences of this SKU, then start the batch again.'),
  GRAPH_MAILBOX_NOT_PROVISIONED: retry(
    422,
    'Wait for Exchange Online to create the mailbox; mailferry looks again.',
  ),
  GRAPH_MAILBOX_NOT_ENABLED: code(422, 'Assign the user a licence that includes Exchange Online.'),
  GRAPH_PASSWORD_REJECTED: code(422, 'Use a password that meets the tenant password policy.'),
  GRAPH_PASSWORD_MANAGED_ON_PREMISES: code(422, 'Set the password on-premises: directory sync manages it.'),
  GRAPH_PREFLIGHT_NO_ORGANIZATION: code(422, 'Check the tenant id: Graph shows no organization.'),
  GRAPH_PREFLIGHT_DIRSYNC_OFF: code(422, 'Turn on directory synchronization before a staged migration.'),
  GRAPH_PREFLIGHT_DOMAIN_NOT_VERIFIED: code(422, 'Verify the domain in the Microsoft 365 admin center.'),
} as const;
