import { createHash } from 'node:crypto';
import { CodedError } from '../domain/errors';
import { sharedTokenProvider } from './tokenProvider';
import { EXCHANGE_SCOPE } from './types';

/**
 * App-only tokens for IMAP XOAUTH2 (Exchange Online): one msal client per app registration and
 * credential in the process, so its token cache serves every mailbox and every activity here, and
 * a token is fetched again only shortly before it expires (or when a server called it expired).
 */
export interface ImapOAuth {
  tenantId: string;
  clientId: string;
  /** What `secret` holds: a client secret, or a PEM with the private key and the certificate. */
  credential: 'secret' | 'certificate';
  authorityHost?: string;
  /** Default Exchange Online's `https://outlook.office365.com/.default`. */
  scope?: string;
}

export type AccessTokenFunction = (options?: { forceRefresh?: boolean }) => Promise<string>;

export function imapTokenFunction(oauth: ImapOAuth, secret: string | undefined): AccessTokenFunction {
  if (!secret) {
    throw new CodedError(
      'AUTH_CONFIG_INVALID',
      `Sign-in settings are wrong: app ${oauth.clientId} has no ${oauth.credential === 'certificate' ? 'certificate' : 'client secret'}; give the endpoint its ${oauth.credential === 'certificate' ? 'certificate PEM (private key + certificate)' : 'client secret'} as its password.`,
      { field: oauth.credential === 'certificate' ? 'certificate' : 'clientSecret' },
    );
  }
  // The credential is part of the key (hashed), so a rotated secret gets a client of its own.
  const fingerprint = createHash('sha256').update(secret).digest('hex').slice(0, 16);
  const key = [oauth.authorityHost ?? '', oauth.tenantId, oauth.clientId, oauth.credential, fingerprint].join(
    '|',
  );
  const provider = sharedTokenProvider(key, {
    tenantId: oauth.tenantId,
    clientId: oauth.clientId,
    authorityHost: oauth.authorityHost,
    credential:
      oauth.credential === 'certificate' ? { kind: 'certificate', pem: secret } : { kind: 'secret', secret },
  });
  const scope = oauth.scope ?? EXCHANGE_SCOPE;
  const p = provider;
  return (options) => p.getToken(scope, options);
}

/**
 * The application permissions (`roles`) an access token carries. Read without verifying the
 * signature: the token came from the sign-in endpoint over TLS and the server verifies it; this
 * only lets a preflight say "the app lacks IMAP.AccessAsApp" before any login.
 */
export function tokenRoles(token: string): string[] | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  } catch {
    return undefined;
  }
}
