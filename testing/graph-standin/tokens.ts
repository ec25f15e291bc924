import { X509Certificate, constants, createHash, randomBytes, verify } from 'node:crypto';
import type { StandinApp, StandinState } from './state';

/**
 * Entra ID's client-credentials flow as the stand-in plays it: OpenID metadata for the tenant, and
 * a token endpoint accepting a client secret or a signed client assertion (RFC 7523, x5t#S256 of a
 * registered certificate). Tokens are opaque random strings the stand-in remembers.
 *
 * Metadata advertises `https://127.0.0.1:PORT/...` URLs: msal only accepts https authorities, and
 * the client's network module carries loopback https origins over http (shared/auth/network.ts).
 */

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const TOKEN_LIFETIME_SECONDS = 3599;

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

  constructor(private readonly state: StandinState) {}

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
    const accessToken = randomBytes(24).toString('base64url');
    this.issued.set(accessToken, {
      clientId,
      resource,
      expiresAt: Date.now() + TOKEN_LIFETIME_SECONDS * 1000,
    });
    s.tokensIssued++;
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_SECONDS,
        ext_expires_in: TOKEN_LIFETIME_SECONDS,
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
