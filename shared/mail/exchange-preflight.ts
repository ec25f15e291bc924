import { tokenRoles } from '../auth/imapTokens';
import { CodedError } from '../domain/errors';
import { MailError, MailErrorCode, serverText } from './errors';
import { closeImap, openImap } from './login';
import type { ImapEndpoint, MailboxLogin } from './settings';

/**
 * One mailbox's check before mail goes to Exchange Online over IMAP: an app-only token that holds
 * `IMAP.AccessAsApp`, an XOAUTH2 login as the mailbox, and a LIST. The failures administrators
 * meet most become coded errors that say the fix. Exchange answers most of them with the same
 * "AUTHENTICATE failed", so a refused login names every cause it can have, most likely first.
 */
export const EXCHANGE_IMAP_ROLE = 'IMAP.AccessAsApp';

export interface ExchangeApp {
  clientId: string;
}

function fixes(email: string, app: ExchangeApp): Record<string, string> {
  return {
    servicePrincipal: `New-ServicePrincipal -AppId ${app.clientId} -ObjectId <object id of the app's enterprise application>`,
    fullAccess: `Add-MailboxPermission -Identity ${email} -User <object id of the app's enterprise application> -AccessRights FullAccess`,
    imapEnabled: `Set-CASMailbox -Identity ${email} -ImapEnabled $true`,
  };
}

export async function checkExchangeMailbox(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  app: ExchangeApp,
): Promise<void> {
  const email = login.email;
  const fix = fixes(email, app);
  const token = login.getAccessToken ? await login.getAccessToken() : undefined;
  const roles = token ? tokenRoles(token) : undefined;
  if (roles && !roles.includes(EXCHANGE_IMAP_ROLE)) {
    throw new CodedError(
      'EXO_IMAP_PERMISSION_MISSING',
      `App ${app.clientId} is not granted ${EXCHANGE_IMAP_ROLE}: in the app registration add the API permission Office 365 Exchange Online → Application → ${EXCHANGE_IMAP_ROLE} and grant admin consent.`,
      { email, roles },
    );
  }
  let client;
  try {
    client = await openImap(endpoint, login, 'target');
  } catch (e) {
    if (!(e instanceof MailError) || e.code !== MailErrorCode.authFailed) throw e;
    const text = e.message;
    if (/imap.*disabled|protocol.*disabled|not enabled/i.test(text)) {
      throw new CodedError(
        'EXO_IMAP_DISABLED',
        `IMAP is disabled for ${email}: run \`${fix.imapEnabled}\`.`,
        { email, fix: fix.imapEnabled },
      );
    }
    throw new CodedError(
      'EXO_IMAP_LOGIN_REFUSED',
      `Exchange Online refused app ${app.clientId}'s XOAUTH2 login to ${email}. When every mailbox fails, Exchange has no service principal for the app: \`${fix.servicePrincipal}\`. When only some fail, the app lacks FullAccess on this one: \`${fix.fullAccess}\`, or IMAP is disabled for it: \`${fix.imapEnabled}\`.`,
      { email, fix },
    );
  }
  try {
    await client.list();
  } catch (e) {
    // "User is authenticated but not connected": the login was accepted but the mailbox not opened.
    throw new CodedError(
      'EXO_MAILBOX_ACCESS_MISSING',
      `App ${app.clientId} logged in to ${email} but cannot open it (${serverText(e)}): give it FullAccess with \`${fix.fullAccess}\`; if that is in place, check IMAP is on: \`${fix.imapEnabled}\`.`,
      { email, fix },
    );
  } finally {
    await closeImap(client);
  }
}
