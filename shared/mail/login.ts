import tls from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
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

const DEFAULT_PORTS = { tls: 993, starttls: 143, none: 143 } as const;

export async function openImap(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
): Promise<ImapFlow> {
  if (endpoint.auth !== 'xoauth2') return connect(endpoint, login, side, passwordAuth(endpoint, login, side));
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
    return await connect(endpoint, login, side, { user, accessToken: await getToken() });
  } catch (e) {
    // A token the server calls expired (clock skew, a token cached to its last second) gets one
    // fresh try: the provider is asked past its cache. Any other refusal stays a refusal.
    if (!(e instanceof MailError) || e.code !== MailErrorCode.authFailed) throw e;
    const fresh = await getToken({ forceRefresh: true });
    // A refusal again is the answer; a second attempt that fails otherwise (a server closing on a
    // client it just refused) does not hide the refusal.
    return connect(endpoint, login, side, { user, accessToken: fresh }).catch((again: unknown) => {
      throw again instanceof MailError && again.code === MailErrorCode.authFailed ? again : e;
    });
  }
}

function passwordAuth(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
): ImapFlowOptions['auth'] {
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
  auth: ImapFlowOptions['auth'],
): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: endpoint.host,
    port: endpoint.port ?? DEFAULT_PORTS[endpoint.security],
    secure: endpoint.security === 'tls',
    doSTARTTLS: endpoint.security === 'starttls' ? true : endpoint.security === 'none' ? false : undefined,
    tls: {
      rejectUnauthorized: !endpoint.allowInvalidCertificates,
      // The endpoint's own CA is trusted besides the system roots (and NODE_EXTRA_CA_CERTS).
      ...(endpoint.tlsCa ? { ca: [...defaultCas(), endpoint.tlsCa] } : {}),
    },
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
    const where = { side, host: endpoint.host, email: login.email };
    const untrusted = tlsFailure(e, side, endpoint.host);
    if (untrusted) throw untrusted;
    if (isAuthError(e)) {
      throw new MailError(
        MailErrorCode.authFailed,
        `${side}: login refused for ${login.email}: ${serverText(e)}`,
        where,
      );
    }
    throw new MailError(
      MailErrorCode.connectFailed,
      `${side}: cannot connect to ${endpoint.host}: ${serverText(e)}`,
      where,
    );
  }
  return client;
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
