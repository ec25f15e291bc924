import type { ConfidentialClientApplication, Configuration, INetworkModule } from '@azure/msal-node';
import { z } from 'zod';
import { CodedError } from '../domain/errors';
import { registerSecret } from '../log';
import { certificateForMsal, type AppCredential } from './credentials';
import { FetchNetworkClient, isLoopbackHost } from './network';
import type { TokenProvider } from './types';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Hosts msal knows as Microsoft clouds; any other authority host must be declared as known. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

export interface TokenProviderOptions {
  /** Tenant GUID or initial domain (contoso.onmicrosoft.com). */
  tenantId: string;
  /** Application (client) id of the app registration. */
  clientId: string;
  credential: AppCredential;
  /** https://login.microsoftonline.com by default; http://127.0.0.1:PORT for the local stand-in. */
  authorityHost?: string;
  /** Replaces the fetch-based network client (msal's injection point). */
  networkClient?: INetworkModule;
}

const optionsSchema = z.object({
  tenantId: z
    .string()
    .regex(/^([0-9a-fA-F-]{36}|[A-Za-z0-9.-]+\.[A-Za-z]{2,})$/, 'a tenant GUID or initial domain'),
  clientId: z.guid('the application (client) id, a GUID'),
  authorityHost: z.url({ protocol: /^https?$/ }).optional(),
});

function configError(field: string, fix: string): CodedError {
  return new CodedError('AUTH_CONFIG_INVALID', `Sign-in settings are wrong: ${fix}`, { field });
}

interface Authority {
  authority: string;
  knownAuthorities: string[];
  plainHttpLoopback: string[];
}

/**
 * The msal authority for a tenant. A plain-http host is accepted only on a loopback address (the
 * stand-in); msal is still given https and the network client carries it over http (see network.ts).
 */
function authorityFor(host: string, tenantId: string): Authority {
  const url = new URL(host);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw configError(
      'M365_AUTHORITY_HOST',
      'the authority host must be https (http only for a loopback stand-in).',
    );
  }
  const known = MICROSOFT_AUTHORITY_HOSTS.has(url.hostname) ? [] : [url.host];
  return {
    authority: `https://${url.host}/${tenantId}`,
    knownAuthorities: known,
    plainHttpLoopback: url.protocol === 'http:' ? [url.host] : [],
  };
}

/** Turns an msal failure into a coded error that names the fix; never includes a credential. */
function signInError(err: unknown, options: TokenProviderOptions, scope: string): CodedError {
  const e = err as { errorCode?: string; errorMessage?: string; subError?: string; message?: string };
  const text = `${e.errorCode ?? ''} ${e.errorMessage ?? e.message ?? ''}`;
  const aadsts = /AADSTS(\d+)/.exec(text)?.[0];
  const where = { tenantId: options.tenantId, clientId: options.clientId, scope, aadsts: aadsts ?? null };
  const fixes: Array<[RegExp, string, string]> = [
    [
      /AADSTS90002|AADSTS900023|tenant.*not found/i,
      'AUTH_TENANT_NOT_FOUND',
      `Tenant "${options.tenantId}" was not found: set M365_TENANT_ID to the tenant GUID or its initial domain.`,
    ],
    [
      /AADSTS700016|unauthorized_client/i,
      'AUTH_APP_NOT_FOUND',
      `App "${options.clientId}" is not registered in tenant "${options.tenantId}": check M365_CLIENT_ID and grant admin consent in that tenant.`,
    ],
    [
      /AADSTS7000215|AADSTS7000222|invalid client secret|secret.*expired/i,
      'AUTH_SECRET_INVALID',
      'The client secret is wrong or expired: create a new secret in the app registration and update M365_CLIENT_SECRET (a certificate is preferred).',
    ],
    [
      /AADSTS700027|AADSTS700023|AADSTS50012|certificate|assertion/i,
      'AUTH_CERTIFICATE_REJECTED',
      "Entra ID rejected the certificate assertion: upload this certificate's public part to the app registration (Certificates & secrets) or fix M365_CERTIFICATE_PEM.",
    ],
    [
      /AADSTS500011|AADSTS70011|invalid_scope|invalid_resource/i,
      'AUTH_SCOPE_INVALID',
      `Scope "${scope}" was refused: the app needs the API permission for that resource with admin consent.`,
    ],
    [
      /AADSTS7000112|disabled/i,
      'AUTH_APP_DISABLED',
      'The app registration is disabled in the tenant: enable it (Enterprise applications → Properties).',
    ],
  ];
  for (const [pattern, code, message] of fixes) {
    if (pattern.test(text)) return new CodedError(code, message, where);
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|fetch failed|aborted|timeout/i.test(text)) {
    return new CodedError(
      'AUTH_UNREACHABLE',
      `The sign-in endpoint ${options.authorityHost ?? DEFAULT_AUTHORITY_HOST} could not be reached: check M365_AUTHORITY_HOST and outbound network access.`,
      where,
    );
  }
  return new CodedError(
    'AUTH_FAILED',
    `Sign-in for app "${options.clientId}" failed (${(e.errorCode ?? 'unknown').slice(0, 80)}): check the tenant, app id, credential and admin consent.`,
    where,
  );
}

/**
 * Token provider on msal-node's ConfidentialClientApplication (client credentials). msal keeps its
 * in-memory token cache, so repeated calls return the cached token until shortly before it expires.
 */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = {
      tenantId: 'M365_TENANT_ID',
      clientId: 'M365_CLIENT_ID',
      authorityHost: 'M365_AUTHORITY_HOST',
    }[String(issue.path[0]) as 'tenantId'];
    throw configError(field ?? String(issue.path[0]), `${field} must be ${issue.message}.`);
  }
  const { authority, knownAuthorities, plainHttpLoopback } = authorityFor(
    options.authorityHost ?? DEFAULT_AUTHORITY_HOST,
    options.tenantId,
  );

  const auth: Configuration['auth'] = { clientId: options.clientId, authority, knownAuthorities };
  if (options.credential.kind === 'secret') {
    if (!options.credential.secret) throw configError('M365_CLIENT_SECRET', 'the client secret is empty.');
    registerSecret(options.credential.secret);
    auth.clientSecret = options.credential.secret;
  } else {
    const cert = certificateForMsal(options.credential);
    auth.clientCertificate = cert;
  }

  const networkClient = options.networkClient ?? new FetchNetworkClient({ plainHttpLoopback });
  // msal-node is loaded at the first token: a run that never signs in to Microsoft 365 (IMAP to
  // IMAP, the embedded runtime's start) does not pay for it.
  let app: Promise<ConfidentialClientApplication> | undefined;
  const client = (): Promise<ConfidentialClientApplication> =>
    (app ??= import('@azure/msal-node').then(
      (msal) => new msal.ConfidentialClientApplication({ auth, system: { networkClient } }),
    ));

  return {
    async getToken(scope: string, request?: { forceRefresh?: boolean }): Promise<string> {
      let result;
      try {
        result = await (
          await client()
        ).acquireTokenByClientCredential({
          scopes: [scope],
          ...(request?.forceRefresh ? { skipCache: true } : {}),
        });
      } catch (err) {
        throw signInError(err, options, scope);
      }
      if (!result?.accessToken) {
        throw new CodedError('AUTH_FAILED', `Sign-in returned no access token for scope "${scope}".`, {
          scope,
        });
      }
      registerSecret(result.accessToken);
      return result.accessToken;
    },
  };
}

const sharedProviders = new Map<string, TokenProvider>();

/**
 * One token provider per app registration and credential in the process (`key` names them), so
 * msal's token cache serves every caller here instead of each fetching its own tokens.
 */
export function sharedTokenProvider(key: string, options: TokenProviderOptions): TokenProvider {
  let provider = sharedProviders.get(key);
  if (!provider) {
    provider = createTokenProvider(options);
    sharedProviders.set(key, provider);
  }
  return provider;
}
