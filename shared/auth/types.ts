/**
 * One way to get an app-only access token, shared by everything that talks to Microsoft 365: the
 * Graph client asks for the Graph scope, the IMAP XOAUTH2 target for the Exchange scope. Callers
 * never see credentials, only short-lived tokens (which they must not log or store).
 */
export interface TokenProvider {
  /**
   * An access token for `scope` (a resource `/.default` scope); cached until shortly before expiry.
   * `forceRefresh` skips the cache: for when the resource said the token it was given has expired.
   */
  getToken(scope: string, options?: { forceRefresh?: boolean }): Promise<string>;
}

/** Microsoft Graph, app-only. */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
/** Exchange Online IMAP/POP/SMTP with XOAUTH2 (app granted IMAP.AccessAsApp). */
export const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';

/** The form IMAP XOAUTH2 takes: a function that yields a valid token on each login. */
export function tokenFunction(
  provider: TokenProvider,
  scope: string = EXCHANGE_SCOPE,
): (options?: { forceRefresh?: boolean }) => Promise<string> {
  return (options) => provider.getToken(scope, options);
}
