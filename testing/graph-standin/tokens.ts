import {
  X509Certificate,
  constants,
  createHash,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { StandinApp, StandinState } from './state';

/**
 * Entra ID's client-credentials flow as the stand-in plays it: OpenID metadata for the tenant, and
 * a token endpoint accepting a client secret or a signed client assertion (RFC 7523, x5t#S256 of a
 * registered certificate). Graph tokens are opaque random strings the stand-in remembers.
 *
 * Tokens for Exchange Online (`https://outlook.office365.com/.default`, what IMAP XOAUTH2 takes) are
 * JWTs signed RS256 with the stand-in's own key, shaped like Entra ID's v1 app-only access tokens:
 * `aud` https://outlook.office365.com, `iss` https://sts.windows.net/{tenant}/, `appid`, `tid`,
 * `roles` (the application permissions granted, `IMAP.AccessAsApp` by default), `iat`/`nbf`/`exp`.
 * An IMAP server validates them locally with the public key (`exchangeTokenKey`), as Exchange does
 * with Entra's published keys.
 *
 * Metadata advertises `https://127.0.0.1:PORT/...` URLs: msal only accepts https authorities, and
 * the client's network module carries loopback https origins over http (shared/auth/network.ts).
 */

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const EXCHANGE_AUDIENCE = 'https://outlook.office365.com';
export const TOKEN_LIFETIME_SECONDS = 3599;
/** Application permissions an app gets on Exchange unless its registration says otherwise. */
export const DEFAULT_EXCHANGE_ROLES = ['IMAP.AccessAsApp'];

/** The key the stand-in signs Exchange tokens with; the public half is what a validator needs. */
export interface TokenSigningKey {
  kid: string;
  privateKey: KeyObject;
  /** SPKI PEM of the public key. */
  publicKeyPem: string;
}

export function newSigningKey(): TokenSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid: randomUUID().replace(/-/g, '').slice(0, 20),
    privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

function signedJwt(key: TokenSigningKey, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: key.kid })).toString(
    'base64url',
  );
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), key.privateKey).toString('base64url');
  return `${header}.${body}.${signature}`;
}

export interface IssuedToken {
  clientId: string;
  resource: string;
  expiresAt: number;
}

export interface OAuthAnswer {
  status: number;
  body: Record<string, unknown>;
}

function oauthError(status: number, error: string, aadsts: number, description: string): OAuthAnswer {
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${aadsts}: ${description}`,
      error_codes: [aadsts],
      timestamp: new Date().toISOString(),
    },
  };
}

export function openIdConfiguration(host: string, tenant: string): Record<string, unknown> {
  const base = `https://${host}/${tenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    issuer: `${base}/v2.0`,
    jwks_uri: `https://${host}/${tenant}/discovery/v2.0/keys`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    tenant_region_scope: 'EU',
  };
}

function b64urlJson(part: string): Record<string, unknown> | null {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Checks a client assertion: signature by the registered certificate's key, x5t#S256, claims. */
function assertionProblem(assertion: string, app: StandinApp, audiences: string[]): string | null {
  if (!app.certificatePem) return 'no certificate is registered for this app';
  const [h, p, s] = assertion.split('.');
  if (!h || !p || !s) return 'the assertion is not a JWT';
  const header = b64urlJson(h);
  const claims = b64urlJson(p);
  if (!header || !claims) return 'the assertion is not a JWT';
  const cert = new X509Certificate(app.certificatePem);
  const thumb = createHash('sha256').update(cert.raw).digest('base64url');
  if (header['x5t#S256'] !== thumb)
    return 'the certificate thumbprint does not match a registered certificate';
  const padding =
    header.alg === 'PS256'
      ? constants.RSA_PKCS1_PSS_PADDING
      : header.alg === 'RS256'
        ? constants.RSA_PKCS1_PADDING
        : 0;
  if (!padding) return `unsupported algorithm ${String(header.alg)}`;
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key: cert.publicKey, padding, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
    Buffer.from(s, 'base64url'),
  );
  if (!ok) return 'the assertion signature is invalid';
  if (claims.iss !== app.clientId || claims.sub !== app.clientId) return 'iss/sub must be the client id';
  if (!audiences.includes(String(claims.aud)))
    return `the audience ${String(claims.aud)} is not this token endpoint`;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return 'the assertion has expired';
  return null;
}

export class TokenIssuer {
  readonly issued = new Map<string, IssuedToken>();

  constructor(
    private readonly state: StandinState,
    private readonly lifetimeSeconds: number = TOKEN_LIFETIME_SECONDS,
    readonly signingKey: TokenSigningKey = newSigningKey(),
  ) {}

  token(host: string, tenant: string, form: URLSearchParams): OAuthAnswer {
    const s = this.state;
    if (
      tenant.toLowerCase() !== s.tenantId.toLowerCase() &&
      !s.domains.some((d) => d.id === tenant.toLowerCase())
    ) {
      return oauthError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`);
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(
        400,
        'unsupported_grant_type',
        70003,
        'The stand-in supports client_credentials only.',
      );
    }
    const clientId = form.get('client_id') ?? '';
    const app = s.apps.find((a) => a.clientId === clientId);
    if (!app) {
      return oauthError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory.`,
      );
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (!app.secret || secret !== app.secret) {
        return oauthError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
      }
    } else if (assertion !== null) {
      const path = `/${tenant}/oauth2/v2.0/token`;
      const problem = assertionProblem(assertion, app, [`https://${host}${path}`, `http://${host}${path}`]);
      if (problem) return oauthError(401, 'invalid_client', 700027, `Client assertion failed: ${problem}.`);
    } else {
      return oauthError(
        401,
        'invalid_client',
        7000218,
        "The request body must contain 'client_assertion' or 'client_secret'.",
      );
    }
    const scope = form.get('scope') ?? '';
    const resource = scope
      .split(' ')
      .find((x) => x.endsWith('/.default'))
      ?.replace(/\/\.default$/, '');
    if (!resource)
      return oauthError(400, 'invalid_scope', 70011, `The provided scope '${scope}' is not valid.`);
    const lifetime = this.lifetimeSeconds;
    const now = Math.floor(Date.now() / 1000);
    const accessToken =
      resource === EXCHANGE_AUDIENCE
        ? signedJwt(this.signingKey, {
            aud: EXCHANGE_AUDIENCE,
            iss: `https://sts.windows.net/${s.tenantId}/`,
            iat: now,
            nbf: now,
            exp: now + lifetime,
            appid: clientId,
            appidacr: secret !== null ? '1' : '2',
            idtyp: 'app',
            oid: app.servicePrincipalId ?? clientId,
            sub: app.servicePrincipalId ?? clientId,
            tid: s.tenantId,
            roles: app.exchangeRoles ?? DEFAULT_EXCHANGE_ROLES,
            // Entra's unique token id: two tokens issued in the same second still differ.
            uti: randomBytes(16).toString('base64url'),
            ver: '1.0',
          })
        : randomBytes(24).toString('base64url');
    this.issued.set(accessToken, { clientId, resource, expiresAt: (now + lifetime) * 1000 });
    s.tokensIssued++;
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: accessToken,
      },
    };
  }

  /** The app behind a Graph bearer token, or null when the token is missing, unknown, expired or not for Graph. */
  graphCaller(authorization: string | undefined): string | null {
    const m = /^Bearer (\S+)$/.exec(authorization ?? '');
    const t = m ? this.issued.get(m[1]!) : undefined;
    if (!t || t.expiresAt < Date.now() || t.resource !== GRAPH_AUDIENCE) return null;
    return t.clientId;
  }
}
