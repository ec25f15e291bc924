import { MailError, MailErrorCode } from '../errors';
import { loginFailure, withLoginCredentials, type LoginCredentials } from '../login';
import type { ImapEndpoint, MailboxLogin } from '../settings';
import { ImapWire } from './connection';
import { quoted } from './wire';

/**
 * Opens and logs in an append-writer connection with the endpoint's settings, choosing the
 * mechanism as imapflow does for the same endpoint (so a login that works for reading works here):
 * a token → AUTHENTICATE OAUTHBEARER, else XOAUTH2; a password → AUTHENTICATE PLAIN when offered
 * (not for an Exchange `domain\user` or `user/mailbox` name, which goes by LOGIN), else LOGIN.
 * Failures are the same MailErrors as imapflow's logins (untrusted certificate, refused, no connection).
 */
export async function openWire(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target' = 'target',
): Promise<ImapWire> {
  return withLoginCredentials(endpoint, login, side, async (credentials) => {
    let wire: ImapWire | undefined;
    try {
      wire = await ImapWire.connect(endpoint);
      const answer = await authenticate(wire, endpoint, credentials, side).catch((e: unknown) => {
        throw markAuth(e);
      });
      // Capabilities change after login; most servers list them in the OK, else ask.
      await wire.refreshCapabilities(answer);
      return wire;
    } catch (e) {
      wire?.close();
      throw loginFailure(e, endpoint, login, side);
    }
  });
}

async function authenticate(
  wire: ImapWire,
  endpoint: ImapEndpoint,
  credentials: LoginCredentials,
  side: 'source' | 'target' = 'target',
): ReturnType<ImapWire['command']> {
  const caps = wire.capabilities;
  if ('accessToken' in credentials) {
    const bearer = caps.has('AUTH=OAUTHBEARER');
    if (!bearer && !caps.has('AUTH=XOAUTH2') && !caps.has('AUTH=XOAUTH')) {
      throw new MailError(MailErrorCode.authFailed, `${side}: the server offers no OAuth login (XOAUTH2)`, {
        side,
        host: endpoint.host,
      });
    }
    const payload = bearer
      ? [
          `n,a=${credentials.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},`,
          `host=${endpoint.host}`,
          `port=${endpoint.port ?? (endpoint.security === 'tls' ? 993 : 143)}`,
          `auth=Bearer ${credentials.accessToken}`,
          '',
          '',
        ].join('\x01')
      : [`user=${credentials.user}`, `auth=Bearer ${credentials.accessToken}`, '', ''].join('\x01');
    // A refused token answers with a `+ <error>` continuation first: an empty line (XOAUTH2) or
    // \x01 (OAUTHBEARER) ends the exchange, then the server says NO.
    return sasl(wire, bearer ? 'OAUTHBEARER' : 'XOAUTH2', payload, bearer ? 'AQ==' : '');
  }
  if (caps.has('AUTH=PLAIN') && !/[\\/]/.test(credentials.user)) {
    return sasl(wire, 'PLAIN', `\x00${credentials.user}\x00${credentials.pass}`, '*');
  }
  if (caps.has('LOGINDISABLED')) {
    throw Object.assign(new Error('Login is disabled'), { authenticationFailed: true });
  }
  return wire.command(['LOGIN ', ...loginString(credentials.user), ' ', ...loginString(credentials.pass)]);
}

async function sasl(
  wire: ImapWire,
  mechanism: string,
  payload: string,
  breaker: string,
): ReturnType<ImapWire['command']> {
  const encoded = Buffer.from(payload, 'utf8').toString('base64');
  const initial = wire.capabilities.has('SASL-IR');
  const tag = wire.nextTag();
  const answer = wire.send(tag, [`AUTHENTICATE ${mechanism}`, ...(initial ? [` ${encoded}`] : [])]);
  let sentPayload = initial;
  const answerContinuations = async (): Promise<void> => {
    for (;;) {
      const next = await Promise.race([wire.nextContinuation(), answer.then(() => undefined)]);
      if (!next) return;
      await wire.writeLine(sentPayload ? breaker : encoded);
      sentPayload = true;
    }
  };
  const both = await Promise.all([answer, answerContinuations()]);
  return both[0];
}

/** A string for LOGIN: quoted, or a non-synchronizing literal when quoting cannot carry it. */
function loginString(value: string): string[] {
  const q = quoted(value);
  if (q) return [q];
  return [`{${Buffer.byteLength(value)}+}\r\n`, value];
}

/** A tagged NO to a login command is a refused login (imapflow marks it the same way). */
function markAuth(e: unknown): unknown {
  const err = e as { responseStatus?: string } | undefined;
  if (err?.responseStatus === 'NO' || err?.responseStatus === 'BAD')
    return Object.assign(e as object, { authenticationFailed: true });
  return e;
}
