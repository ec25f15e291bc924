import { z } from 'zod';
import type { Services } from '../app/services';
import { certificateFromPem, imapTokenFunction, tokenRoles, type AccessTokenFunction } from '../auth';
import type { M365Credential, M365Settings } from '../config/settings';
import { DEFAULT_MAX_MESSAGE_MB, MAX_MESSAGE_MB_CEILING } from '../mail/limits';
import { CodedError, isCodedError } from '../domain/errors';
import {
  checkMailboxReady,
  findTargetUser,
  graphClientFromSettings,
  MAILBOX_WAIT,
  preflightTenant,
  type GraphClient,
} from '../graph';
import {
  checkExchangeMailbox,
  EXCHANGE_IMAP_CONNECTIONS,
  EXCHANGE_IMAP_ROLE,
  ExchangeOnlineTarget,
  type ImapEndpoint,
  type MailTarget,
} from '../mail';
import { parseEndpoint } from '../mail/settings';
import { parseSecretRef } from '../secrets/refs';
import type { Endpoint } from '../state';

/**
 * The `microsoft365` target: one app registration for both protocols. Mail goes over Exchange
 * Online's IMAP with app-only OAuth (XOAUTH2), byte for byte, by default; provisioning, preflight
 * and report mail go through Graph. `mailTransport: "graph"` sends mail through Graph too (for a
 * tenant that turned IMAP off; Graph rebuilds each message and says what it could not carry).
 *
 * The endpoint's secret (its `password` in the API) is the client secret or, preferred, a PEM with
 * the certificate's private key and the certificate; `credential` says which.
 */
export const microsoft365SettingsSchema = z
  .object({
    tenantId: z.string().min(1, 'the tenant GUID or initial domain (contoso.onmicrosoft.com)'),
    clientId: z.string().min(1, 'the application (client) id of the app registration'),
    credential: z.enum(['secret', 'certificate']).default('certificate'),
    authorityHost: z.url().default('https://login.microsoftonline.com'),
    graphBaseUrl: z.url().default('https://graph.microsoft.com/v1.0'),
    imap: z
      .object({
        host: z.string().min(1).default('outlook.office365.com'),
        port: z.number().int().min(1).max(65535).default(993),
        security: z.enum(['tls', 'starttls', 'none']).default('tls'),
        allowInvalidCertificates: z.boolean().default(false),
        /** Connections per mailbox; Exchange Online allows few. */
        connections: z.number().int().min(1).max(8).default(EXCHANGE_IMAP_CONNECTIONS),
      })
      .strict()
      .prefault({}),
    mailTransport: z.enum(['imap', 'graph']).default('imap'),
    /** The mailboxes' MaxReceiveSize: 35 MB by default, up to 150 MB (Set-Mailbox -MaxReceiveSize). */
    maxMessageSizeMB: z.number().positive().max(MAX_MESSAGE_MB_CEILING).default(DEFAULT_MAX_MESSAGE_MB),
    mailboxWaitSeconds: z.number().int().min(1).max(3600).default(MAILBOX_WAIT.intervalSeconds),
    licenseSkuId: z.uuid().optional(),
  })
  .strict();
export type Microsoft365Settings = z.output<typeof microsoft365SettingsSchema>;

export function microsoft365SettingsOf(endpoint: Pick<Endpoint, 'name' | 'settings'>): Microsoft365Settings {
  const parsed = microsoft365SettingsSchema.safeParse(endpoint.settings);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = `settings.${issue?.path.join('.') ?? ''}`;
  throw new CodedError('ENDPOINT_INVALID', `${field}: ${issue?.message ?? 'invalid'}`, {
    endpoint: endpoint.name,
    field,
  });
}

async function credentialSecret(
  svc: Services,
  endpoint: Endpoint,
  settings: Microsoft365Settings,
): Promise<string> {
  const secret = endpoint.secretRef ? await svc.secrets.get(parseSecretRef(endpoint.secretRef)) : undefined;
  if (!secret) {
    throw new CodedError(
      'ENDPOINT_CREDENTIAL_MISSING',
      `Endpoint "${endpoint.name}" has no ${settings.credential === 'certificate' ? 'certificate' : 'client secret'}: set it as the endpoint's password (a PEM with the private key and the certificate, or the client secret).`,
      { endpoint: endpoint.name },
    );
  }
  return secret;
}

/** The app registration of the endpoint in the shape the Graph client takes. */
export async function microsoft365AppSettings(svc: Services, endpoint: Endpoint): Promise<M365Settings> {
  const settings = microsoft365SettingsOf(endpoint);
  const secret = await credentialSecret(svc, endpoint, settings);
  let credential: M365Credential;
  if (settings.credential === 'secret') credential = { kind: 'secret', clientSecret: secret };
  else {
    const { privateKeyPem, certificatePem, thumbprintSha256, thumbprintSha1 } = certificateFromPem(secret);
    credential = { kind: 'certificate', privateKeyPem, certificatePem, thumbprintSha256, thumbprintSha1 };
  }
  return {
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    credential,
    authorityHost: settings.authorityHost,
    graphBaseUrl: settings.graphBaseUrl,
    licenseSkuId: settings.licenseSkuId,
  };
}

export async function microsoft365Graph(svc: Services, endpoint: Endpoint): Promise<GraphClient> {
  return graphClientFromSettings(await microsoft365AppSettings(svc, endpoint));
}

/** Exchange Online's IMAP as an IMAP endpoint: XOAUTH2, Microsoft's host unless told otherwise. */
export function microsoft365Imap(endpoint: Pick<Endpoint, 'name' | 'settings'>): ImapEndpoint {
  const s = microsoft365SettingsOf(endpoint);
  return parseEndpoint(
    {
      host: s.imap.host,
      port: s.imap.port,
      security: s.imap.security,
      allowInvalidCertificates: s.imap.allowInvalidCertificates,
      auth: 'xoauth2',
      maxMessageSizeMB: s.maxMessageSizeMB,
      connections: s.imap.connections,
    },
    'target',
  );
}

/** App-only Exchange tokens for the endpoint's app (cached per process by msal). */
export async function microsoft365Tokens(svc: Services, endpoint: Endpoint): Promise<AccessTokenFunction> {
  const s = microsoft365SettingsOf(endpoint);
  return imapTokenFunction(
    { tenantId: s.tenantId, clientId: s.clientId, credential: s.credential, authorityHost: s.authorityHost },
    await credentialSecret(svc, endpoint, s),
  );
}

/** Tokens for an `imap` endpoint with `auth: "xoauth2"` (its `oauth` block, its secret). */
export async function imapOAuthLogin(
  svc: Services,
  endpoint: Endpoint,
): Promise<{ getAccessToken?: AccessTokenFunction }> {
  if (endpoint.type !== 'imap') return {};
  const imap = parseEndpoint(endpoint.settings, 'source');
  if (imap.auth !== 'xoauth2') return {};
  if (!imap.oauth) {
    throw new CodedError(
      'ENDPOINT_INVALID',
      `Endpoint "${endpoint.name}" uses auth xoauth2 but has no settings.oauth: give tenantId, clientId and credential.`,
      { endpoint: endpoint.name, field: 'settings.oauth' },
    );
  }
  const secret = endpoint.secretRef ? await svc.secrets.get(parseSecretRef(endpoint.secretRef)) : undefined;
  return { getAccessToken: imapTokenFunction(imap.oauth, secret) };
}

/**
 * Once per batch, before any mailbox: the tenant is ready (Graph), and with mail over IMAP the
 * app's Exchange token holds IMAP.AccessAsApp (a missing grant fails every mailbox alike).
 */
export async function preflightMicrosoft365Endpoint(
  svc: Services,
  endpoint: Endpoint,
  addresses: string[],
): Promise<void> {
  const graph = await microsoft365Graph(svc, endpoint);
  await preflightTenant(graph, addresses);
  const settings = microsoft365SettingsOf(endpoint);
  if (settings.mailTransport !== 'imap') return;
  const roles = tokenRoles(await (await microsoft365Tokens(svc, endpoint))());
  if (roles && !roles.includes(EXCHANGE_IMAP_ROLE)) {
    throw new CodedError(
      'EXO_IMAP_PERMISSION_MISSING',
      `App ${settings.clientId} is not granted ${EXCHANGE_IMAP_ROLE}: in the app registration add the API permission Office 365 Exchange Online → Application → ${EXCHANGE_IMAP_ROLE}, grant admin consent, then start the batch again.`,
      { clientId: settings.clientId },
    );
  }
  await probeExchangeAccess(svc, endpoint, graph, addresses);
}

/** How many of the batch's first addresses are looked at, and how many existing mailboxes are probed. */
const PROBE_LOOKUPS = 10;
const PROBE_MAILBOXES = 3;

/**
 * A few mailboxes that exist already are opened over IMAP: when Exchange refuses the app on every
 * one, the cause is tenant-wide (Exchange has no service principal for the app), and the batch
 * stops once with that fix instead of failing each mailbox with it.
 */
async function probeExchangeAccess(
  svc: Services,
  endpoint: Endpoint,
  graph: GraphClient,
  addresses: string[],
): Promise<void> {
  const existing: string[] = [];
  for (const address of addresses.slice(0, PROBE_LOOKUPS)) {
    if (existing.length >= PROBE_MAILBOXES) break;
    const user = await findTargetUser(graph, address).catch(() => undefined);
    if (user && checkMailboxReady(user, 0).ready) existing.push(address);
  }
  if (!existing.length) return;
  const outcomes = await Promise.all(
    existing.map((a) =>
      checkMicrosoft365Mailbox(svc, endpoint, a).then(
        () => undefined,
        (e: unknown) => e,
      ),
    ),
  );
  if (outcomes.every((e) => isCodedError(e) && e.code === 'EXO_IMAP_LOGIN_REFUSED')) {
    const { clientId } = microsoft365SettingsOf(endpoint);
    throw new CodedError(
      'EXO_SERVICE_PRINCIPAL_MISSING',
      `Exchange Online refused app ${clientId} on every mailbox tried (${existing.join(', ')}): Exchange has no service principal for it. In Exchange Online PowerShell run \`New-ServicePrincipal -AppId ${clientId} -ObjectId <object id of the app's enterprise application>\`, then \`Add-MailboxPermission -Identity <mailbox> -User <that object id> -AccessRights FullAccess\` for each mailbox, and start the batch again.`,
      { clientId, mailboxes: existing },
    );
  }
}

/** Per mailbox, once it exists: with mail over IMAP, an XOAUTH2 login as it and a LIST. */
export async function checkMicrosoft365Mailbox(
  svc: Services,
  endpoint: Endpoint,
  email: string,
): Promise<void> {
  const settings = microsoft365SettingsOf(endpoint);
  if (settings.mailTransport !== 'imap') return;
  await checkExchangeMailbox(
    microsoft365Imap(endpoint),
    { email, getAccessToken: await microsoft365Tokens(svc, endpoint) },
    { clientId: settings.clientId },
  );
}

/** Mail into the endpoint's mailbox `email`: Exchange Online's IMAP as the mailbox itself. */
export async function microsoft365ImapTarget(
  svc: Services,
  endpoint: Endpoint,
  email: string,
): Promise<{ open(): Promise<MailTarget> }> {
  const imap = microsoft365Imap(endpoint);
  const getAccessToken = await microsoft365Tokens(svc, endpoint);
  return { open: () => ExchangeOnlineTarget.open(imap, { email, getAccessToken }) };
}
