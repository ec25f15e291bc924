import { CodedError } from '../domain/errors';

/**
 * Coded Graph errors. `code` is ours (GRAPH_...), `graphCode` is what Graph said, the message says
 * what to do. Never holds a token or a request body.
 */
export class GraphError extends CodedError {
  readonly status: number;
  readonly graphCode: string | null;
  constructor(
    code: string,
    message: string,
    details: { status: number; graphCode: string | null } & Record<string, unknown>,
  ) {
    super(code, message, details);
    this.name = 'GraphError';
    this.status = details.status;
    this.graphCode = details.graphCode;
  }
}

export function isGraphError(e: unknown): e is GraphError {
  return e instanceof GraphError;
}

/** The Graph permission an app needs for a request path (for 403 messages). */
function permissionFor(path: string): string {
  if (/\/sendMail$/i.test(path)) return 'Mail.Send';
  if (/\/(messages|mailFolders)/i.test(path)) return 'Mail.ReadWrite';
  if (/\/assignLicense$/i.test(path)) return 'LicenseAssignment.ReadWrite.All';
  if (/^\/subscribedSkus|^\/organization/i.test(path)) return 'Organization.Read.All';
  if (/^\/domains/i.test(path)) return 'Domain.Read.All';
  if (/^\/users/i.test(path)) return 'User.ReadWrite.All';
  return 'the permission this request needs';
}

const MAX_SERVER_MESSAGE = 300;

/** The request path without its query (queries may be long), for messages and details. */
export function describePath(pathOrUrl: string): string {
  try {
    const u = new URL(pathOrUrl, 'http://x');
    return u.pathname.replace(/^\/v1\.0/, '').replace(/^\/beta/, '');
  } catch {
    return pathOrUrl.split('?')[0]!;
  }
}

/** Turns a failed Graph answer into a coded error saying what to fix. */
export function graphErrorFrom(
  method: string,
  pathOrUrl: string,
  status: number,
  body: unknown,
  extra: Record<string, unknown> = {},
): GraphError {
  const err = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const graphCode = typeof err?.code === 'string' ? err.code : null;
  const serverMessage = typeof err?.message === 'string' ? err.message.slice(0, MAX_SERVER_MESSAGE) : '';
  const path = describePath(pathOrUrl);
  const what = `Graph ${method} ${path} answered ${status}${graphCode ? ` ${graphCode}` : ''}${serverMessage ? `: ${serverMessage}` : ''}`;
  const details = { status, graphCode, method, path, ...extra };
  let code = 'GRAPH_REQUEST_FAILED';
  let fix = 'Check the request and the tenant, then retry.';
  if (graphCode === 'MailboxNotEnabledForRESTAPI' || graphCode === 'MailboxNotEnabledForRESTAPIAccess') {
    code = 'GRAPH_MAILBOX_NOT_ENABLED';
    fix =
      'The user has no Exchange Online mailbox yet: assign an Exchange Online licence (or wait for provisioning to finish).';
  } else if (graphCode === 'ErrorAccessDenied' && /application access policy|RBAC/i.test(serverMessage)) {
    code = 'GRAPH_FORBIDDEN';
    fix =
      "An Exchange application access policy or RBAC for Applications scope excludes this mailbox: add the mailbox to the app's scope.";
  } else if (status === 401) {
    code = 'GRAPH_UNAUTHORIZED';
    fix =
      'The access token was refused: check that M365_TENANT_ID is the tenant the app is consented in and that the token is for Microsoft Graph.';
  } else if (status === 403) {
    code = 'GRAPH_FORBIDDEN';
    fix = `Grant the app the application permission ${permissionFor(path)} in Entra ID and give admin consent.`;
  } else if (status === 404) {
    code = 'GRAPH_NOT_FOUND';
    fix = 'The object does not exist in the tenant: check the address or id.';
  } else if (status === 409) {
    code = 'GRAPH_CONFLICT';
    fix = 'The object already exists or changed meanwhile: read it again and retry.';
  } else if (status === 413) {
    code = 'GRAPH_TOO_LARGE';
    fix =
      'The item is larger than the target accepts: raise the mailbox message size limit (up to 150 MB) or accept that the item is skipped.';
  } else if (status === 429) {
    code = 'GRAPH_THROTTLED';
    fix =
      'Microsoft Graph kept throttling this mailbox: fewer mailboxes at once (maxConcurrentMigrations) or retry later.';
  } else if (status >= 500) {
    code = 'GRAPH_SERVER_ERROR';
    fix =
      'Microsoft Graph had a transient failure: the step is retried; if it persists check the Microsoft 365 service health.';
  } else if (status === 400) {
    code = 'GRAPH_BAD_REQUEST';
    fix = 'Graph refused the request as written; the message above names the field.';
  }
  return new GraphError(code, `${what}. ${fix}`, details);
}

export function unreachable(method: string, pathOrUrl: string, cause: unknown): GraphError {
  const reason = String((cause as Error)?.message ?? cause).slice(0, 200);
  return new GraphError(
    'GRAPH_UNREACHABLE',
    `Graph ${method} ${describePath(pathOrUrl)} got no answer (${reason}). Check M365_GRAPH_BASE_URL and outbound network access.`,
    { status: 0, graphCode: null, method, path: describePath(pathOrUrl) },
  );
}
