import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import { CONNECT_TIMEOUT_MS, SOCKET_TIMEOUT_MS } from './limits';
import { MailError, MailErrorCode, isAuthError, serverText } from './errors';
import { tlsFailure } from './tls-errors';
import type { ImapEndpoint, MailboxLogin } from './settings';

/**
 * The login name for a mailbox: per-user credentials when the row has them, otherwise the admin
 * proxy form. Placeholders: {user} (UserName, else the address), {email}, {alias} (local part),
 * {domain}, {admin}.
 */
export function loginName(endpoint: ImapEndpoint, login: MailboxLogin): string {
  if (login.userName && login.password && !endpoint.admin) return login.userName;
  if (!endpoint.admin) return login.userName ?? login.email;
  const [alias = '', domain = ''] = login.email.split('@');
  const values: Record<string, string> = {
    user: login.userName ?? login.email,
    email: login.email,
    alias,
    domain,
    admin: endpoint.admin.user,
  };
  return endpoint.admin.loginFormat.replace(
    /\{(user|email|alias|domain|admin)\}/g,
    (_, k: string) => values[k] ?? '',
  );
}

export const DEFAULT_PORTS = { tls: 993, starttls: 143, none: 143 } as const;

export async function openImap(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
): Promise<ImapFlow> {
  return withLoginCredentials(endpoint, login, side, (auth) => connect(endpoint, login, side, auth));
}

/** What a connection logs in with: a password (LOGIN / AUTHENTICATE PLAIN) or an XOAUTH2 token. */
export type LoginCredentials = { user: string; pass: string } | { user: string; accessToken: string };

/**
 * Logs in with the endpoint's credentials through `connectWith` (imapflow, or the append writer's
 * own connection), so both follow one set of rules: the admin proxy login format, and for XOAUTH2
 * one fresh token after the server refused a token as expired. `connectWith` throws MailErrors.
 */
export async function withLoginCredentials<T>(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
  connectWith: (auth: LoginCredentials) => Promise<T>,
): Promise<T> {
  if (endpoint.auth !== 'xoauth2') return connectWith(passwordAuth(endpoint, login, side));
  const getToken = login.getAccessToken;
  if (!getToken) {
    throw new MailError(
      MailErrorCode.badSettings,
      `${side}: auth is xoauth2 but no token provider was given`,
      { side },
    );
  }
  // SASL XOAUTH2 as the mailbox itself: an app-only token opens any mailbox the app may access.
  const user = login.userName ?? login.email;
  try {
    return await connectWith({ user, accessToken: await getToken() });
  } catch (e) {
    // A token the server calls expired (clock skew, a token cached to its last second) gets one
    // fresh try: the provider is asked past its cache. Any other refusal stays a refusal.
    if (!(e instanceof MailError) || e.code !== MailErrorCode.authFailed) throw e;
    const fresh = await getToken({ forceRefresh: true });
    // A refusal again is the answer; a second attempt that fails otherwise (a server closing on a
    // client it just refused) does not hide the refusal.
    return connectWith({ user, accessToken: fresh }).catch((again: unknown) => {
      throw again instanceof MailError && again.code === MailErrorCode.authFailed ? again : e;
    });
  }
}

function passwordAuth(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
): LoginCredentials {
  if (!login.password) {
    throw new MailError(
      MailErrorCode.badSettings,
      `${side}: no password for ${login.email} (admin or per-user)`,
      {
        side,
        email: login.email,
      },
    );
  }
  return { user: loginName(endpoint, login), pass: login.password };
}

async function connect(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
  auth: LoginCredentials,
): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: endpoint.host,
    port: endpoint.port ?? DEFAULT_PORTS[endpoint.security],
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls' ? true : endpoint.security === 'none' ? false : undefined,
    tls: tlsOptions(endpoint),
    auth,
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    clientInfo: { name: 'mailferry' },
  });
  // An error event without a listener would crash the process; failures surface from the commands.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw loginFailure(e, endpoint, login, side);
  }
  return client;
}

/** A failed connect or login as the error users see: untrusted certificate, refused login, or no connection. */
export function loginFailure(
  e: unknown,
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
): MailError {
  if (e instanceof MailError) return e;
  const where = { side, host: endpoint.host, email: login.email };
  const untrusted = tlsFailure(e, side, endpoint.host);
  if (untrusted) return untrusted;
  if (isAuthError(e)) {
    return new MailError(
      MailErrorCode.authFailed,
      `${side}: login refused for ${login.email}: ${serverText(e)}`,
      where,
    );
  }
  return new MailError(
    MailErrorCode.connectFailed,
    `${side}: cannot connect to ${endpoint.host}: ${serverText(e)}`,
    where,
  );
}

/** Certificate checks for an endpoint: the same for imapflow's connections and the append writer's. */
export function tlsOptions(endpoint: ImapEndpoint): { rejectUnauthorized: boolean; ca?: string[] } {
  return {
    rejectUnauthorized: !endpoint.allowInvalidCertificates,
    // The endpoint's own CA is trusted besides the system roots (and NODE_EXTRA_CA_CERTS).
    ...(endpoint.tlsCa ? { ca: [...defaultCas(), endpoint.tlsCa] } : {}),
  };
}

/** The CAs Node trusts by default: its bundle and NODE_EXTRA_CA_CERTS (Node 22.15+), else the bundle. */
function defaultCas(): readonly string[] {
  const get = (tls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  return get ? get('default') : tls.rootCertificates;
}

export async function closeImap(client: ImapFlow | undefined): Promise<void> {
  if (!client) return;
  try {
    if (client.usable) await client.logout();
  } catch {
    // already gone
  }
  client.close();
}
