import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { badInput } from '../exit-codes';
import { MAX_MESSAGE_MB_CEILING } from '../../shared/mail/limits';

/**
 * The `mailferry run` config file: the source and target (IMAP servers, or Microsoft 365) and how
 * many mailboxes run at once. Validated with zod; every problem is reported with the field it is
 * about (`source.admin.password.env: ...`). A password or client secret is inline or
 * `{"env": "NAME"}`, a certificate PEM inline, `{"env": "NAME"}` or `{"file": "path"}`, so a
 * config file can be committed without its secrets.
 */
const passwordSchema = z.union([
  z.string().min(1),
  z.object({ env: z.string().min(1, 'name the environment variable') }).strict(),
]);
const certificateSchema = z.union([
  passwordSchema,
  z.object({ file: z.string().min(1, 'name the PEM file (private key + certificate)') }).strict(),
]);
type SecretSource = z.output<typeof certificateSchema>;

/** An app registration signing in with a client secret or (preferred) a certificate. */
const appFields = {
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: passwordSchema.optional(),
  certificate: certificateSchema.optional(),
  authorityHost: z.url().optional(),
};
const oneCredential = (a: { clientSecret?: unknown; certificate?: unknown }): boolean =>
  (a.clientSecret === undefined) !== (a.certificate === undefined);
const ONE_CREDENTIAL = { message: 'give exactly one of clientSecret and certificate' };

const oauthSchema = z.object(appFields).strict().refine(oneCredential, ONE_CREDENTIAL);

const imapSideSchema = z
  .object({
    type: z.literal('imap'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    security: z.enum(['tls', 'starttls', 'none']).default('tls'),
    allowInvalidCertificates: z.boolean().optional(),
    admin: z
      .object({
        user: z.string().min(1),
        password: passwordSchema,
        loginFormat: z
          .string()
          .refine((f) => f.includes('{admin}'), 'must contain {admin}, e.g. "{user}*{admin}" (Dovecot)')
          .optional(),
      })
      .strict()
      .optional(),
    /** Target only: largest message copied, in MB (default 35, Exchange Online's). */
    maxMessageSizeMB: z.number().positive().optional(),
    /** Target only: concurrent APPEND connections per mailbox. */
    connections: z.number().int().min(1).optional(),
    /** `xoauth2`: app-only OAuth (Exchange Online) with the app registration in `oauth`. */
    auth: z.enum(['password', 'xoauth2']).optional(),
    oauth: oauthSchema.optional(),
    /** Source only: contacts and calendars over CalDAV/CardDAV. */
    dav: z
      .object({
        url: z.string().url(),
        security: z.enum(['tls', 'none']).optional(),
        login: z.string().min(1).optional(),
        password: passwordSchema.optional(),
        defaultTimeZone: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Source only: contacts and calendars of Exchange 2007 SP1+ over EWS. */
    ews: z
      .object({
        url: z.string().url(),
        auth: z.enum(['basic', 'ntlm']).optional(),
        impersonation: z.boolean().optional(),
        admin: z
          .object({ user: z.string().min(1), domain: z.string().min(1).optional() })
          .strict()
          .optional(),
        password: passwordSchema.optional(),
        allowInvalidCertificates: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => (s.auth === 'xoauth2') === (s.oauth !== undefined), {
    message: 'auth "xoauth2" and an oauth block go together',
    path: ['oauth'],
  });

/** Microsoft 365: mail over Exchange Online's IMAP (XOAUTH2) or Graph; the rest through Graph. */
const microsoft365SideSchema = z
  .object({
    type: z.literal('microsoft365'),
    ...appFields,
    graphBaseUrl: z.url().optional(),
    imap: z
      .object({
        host: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        security: z.enum(['tls', 'starttls', 'none']).optional(),
        allowInvalidCertificates: z.boolean().optional(),
        connections: z.number().int().min(1).max(8).optional(),
      })
      .strict()
      .optional(),
    mailTransport: z.enum(['imap', 'graph']).optional(),
    maxMessageSizeMB: z.number().positive().max(MAX_MESSAGE_MB_CEILING).optional(),
    licenseSkuId: z.uuid().optional(),
    mailboxWaitSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .strict()
  .refine(oneCredential, ONE_CREDENTIAL);

/** A Microsoft 365 tenant as the target: the app registration mailferry signs in with. */
const graphTargetSchema = z
  .object({
    type: z.literal('graph'),
    tenantId: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: passwordSchema,
    /** Sign-in and Graph URLs; default Microsoft's (the stand-in prints its own). */
    authorityHost: z.string().url().optional(),
    graphBaseUrl: z.string().url().optional(),
    maxMessageSizeMB: z.number().positive().max(MAX_MESSAGE_MB_CEILING).optional(),
    licenseSkuId: z.string().uuid().optional(),
  })
  .strict();

/** The source directory for cutover forwarding (an `ldap` endpoint named "directory"). */
const directorySchema = z
  .object({
    type: z.literal('ldap'),
    url: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'must be ldap://host[:port] or ldaps://host[:port]'),
    bindDn: z.string().min(1),
    password: passwordSchema,
    baseDn: z.string().min(1),
    findBy: z.enum(['mail', 'proxyAddresses', 'userPrincipalName']).optional(),
    security: z.enum(['tls', 'starttls', 'none']).optional(),
    caCertificatePem: z.string().min(1).optional(),
  })
  .strict();

export const runConfigSchema = z
  .object({
    source: imapSideSchema,
    target: z.discriminatedUnion('type', [imapSideSchema, microsoft365SideSchema, graphTargetSchema]),
    maxConcurrentMigrations: z.number().int().min(1).max(1000).optional(),
    directory: directorySchema.optional(),
    /** Batch options for the cutover: where forwarding points, and whether to set it. */
    forwardingDomain: z.string().min(1).optional(),
    setForwarding: z.boolean().optional(),
  })
  .strict();
export type RunConfig = z.output<typeof runConfigSchema>;
type Side =
  | z.output<typeof imapSideSchema>
  | z.output<typeof microsoft365SideSchema>
  | z.output<typeof graphTargetSchema>;

/** An endpoint as the API's POST /api/endpoints takes it, with the passwords resolved. */
export interface EndpointRequest {
  name: string;
  type: 'imap' | 'ldap' | 'microsoft365' | 'graph';
  settings: Record<string, unknown>;
  password?: string;
  /** The dav / ews logins' passwords (stored in the secret store by the service). */
  pimPasswords?: { dav?: string; ews?: string };
  maxConcurrentMigrations?: number;
}

const resolve = (pw: z.output<typeof passwordSchema> | undefined, env: NodeJS.ProcessEnv) =>
  typeof pw === 'object' ? env[pw.env] : pw;

/** The host settings (M365_*) that make a graph target's tenant the service's Microsoft 365. */
export function graphHostSettings(
  config: RunConfig,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const t = config.target;
  if (t.type !== 'graph') return {};
  return {
    M365_TENANT_ID: t.tenantId,
    M365_CLIENT_ID: t.clientId,
    M365_CLIENT_SECRET: resolve(t.clientSecret, env) ?? '',
    ...(t.authorityHost ? { M365_AUTHORITY_HOST: t.authorityHost } : {}),
    ...(t.graphBaseUrl ? { M365_GRAPH_BASE_URL: t.graphBaseUrl } : {}),
  };
}

/** Reads and validates the file; CONFIG_INVALID lists every problem with its field. */
export function loadRunConfig(file: string, env: NodeJS.ProcessEnv = process.env): RunConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(
      'CONFIG_UNREADABLE',
      `--config ${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot be read'}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw badInput('CONFIG_INVALID', `--config ${file}: not JSON (${(e as Error).message})`);
  }
  const parsed = runConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw badInput(
      'CONFIG_INVALID',
      `--config ${file}: ${problems[0] ?? 'invalid'}`,
      problems.slice(1).map((p) => `  ${p}`),
    );
  }
  // Resolve env passwords now, so a missing variable is bad input before anything starts.
  const directoryPw = parsed.data.directory?.password;
  const target = parsed.data.target;
  const secrets: Array<[string, z.output<typeof passwordSchema> | undefined]> = [
    ['directory.password', directoryPw],
    ['source.admin.password', parsed.data.source.admin?.password],
    ['source.dav.password', parsed.data.source.dav?.password],
    ['source.ews.password', parsed.data.source.ews?.password],
    target.type === 'graph'
      ? ['target.clientSecret', target.clientSecret]
      : target.type === 'imap'
        ? ['target.admin.password', target.admin?.password]
        : ['target', undefined],
  ];
  for (const [field, pw] of secrets) {
    if (typeof pw === 'object' && !env[pw.env])
      throw badInput(
        'CONFIG_INVALID',
        `--config ${file}: ${field}.env: the environment variable ${pw.env} is not set`,
      );
  }
  for (const side of ['source', 'target'] as const) {
    const config = parsed.data[side];
    const app = config.type === 'microsoft365' ? config : 'oauth' in config ? config.oauth : undefined;
    const where = config.type === 'microsoft365' ? side : `${side}.oauth`;
    if (app) secretOf(app, env, `--config ${file}: ${where}`);
  }
  return parsed.data;
}

/**
 * The app's client secret or certificate PEM, read now (env or file); the endpoint keeps it as its
 * secret, with `credential` saying which it is.
 */
function secretOf(
  app: { clientSecret?: SecretSource; certificate?: SecretSource },
  env: NodeJS.ProcessEnv,
  where: string,
): { credential: 'secret' | 'certificate'; secret: string } {
  const credential = app.certificate !== undefined ? 'certificate' : 'secret';
  const source = (app.certificate ?? app.clientSecret)!;
  const field = credential === 'certificate' ? 'certificate' : 'clientSecret';
  if (typeof source === 'string') return { credential, secret: source };
  if ('env' in source) {
    const value = env[source.env];
    if (!value)
      throw badInput(
        'CONFIG_INVALID',
        `${where}.${field}.env: the environment variable ${source.env} is not set`,
      );
    return { credential, secret: value };
  }
  try {
    // Relative to the current directory, as --csv is.
    return { credential, secret: readFileSync(path.resolve(source.file), 'utf8') };
  } catch (e) {
    throw badInput(
      'CONFIG_INVALID',
      `${where}.${field}.file: ${source.file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot be read'}`,
    );
  }
}

/** The endpoint `name` for one side of the config: settings as the service stores them, password apart. */
export function endpointRequest(
  name: string,
  side: Side,
  maxConcurrentMigrations: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): EndpointRequest {
  if (side.type === 'graph') {
    // The tenant and its app are host settings (graphHostSettings); the endpoint tunes the migration.
    const settings = defined({ maxMessageSizeMB: side.maxMessageSizeMB, licenseSkuId: side.licenseSkuId });
    return { name, type: 'graph', settings, maxConcurrentMigrations };
  }
  if (side.type === 'microsoft365') {
    const { type, clientSecret, certificate, ...rest } = side;
    const { credential, secret } = secretOf({ clientSecret, certificate }, env, name);
    return {
      name,
      type,
      settings: { ...defined(rest), credential },
      password: secret,
      maxConcurrentMigrations,
    };
  }
  if (side.oauth) {
    // XOAUTH2: the endpoint's secret is the app's credential; there is no admin password.
    const { type, admin: _admin, oauth, dav: _dav, ews: _ews, ...rest } = side;
    const { clientSecret, certificate, ...app } = oauth;
    const { credential, secret } = secretOf({ clientSecret, certificate }, env, `${name}.oauth`);
    return {
      name,
      type,
      settings: { ...defined(rest), oauth: { ...defined(app), credential } },
      password: secret,
      maxConcurrentMigrations,
    };
  }
  const { type, admin, oauth: _oauth, dav, ews, ...rest } = side;
  const settings: Record<string, unknown> = defined(rest);
  if (admin)
    settings.admin = { user: admin.user, ...(admin.loginFormat ? { loginFormat: admin.loginFormat } : {}) };
  const pimPasswords: { dav?: string; ews?: string } = {};
  for (const [kind, block] of [
    ['dav', dav],
    ['ews', ews],
  ] as const) {
    if (!block) continue;
    const { password, ...blockSettings } = block;
    settings[kind] = Object.fromEntries(Object.entries(blockSettings).filter(([, v]) => v !== undefined));
    const value = resolve(password, env);
    if (value) pimPasswords[kind] = value;
  }
  return {
    name,
    type,
    settings,
    password: resolve(admin?.password, env),
    ...(Object.keys(pimPasswords).length ? { pimPasswords } : {}),
    maxConcurrentMigrations,
  };
}

/** The directory endpoint `name` (settings as stored, password apart), when the config has one. */
export function directoryRequest(
  name: string,
  config: RunConfig,
  env: NodeJS.ProcessEnv = process.env,
): EndpointRequest | undefined {
  if (!config.directory) return undefined;
  const { type, password, ...rest } = config.directory;
  const settings = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { name, type, settings, password: typeof password === 'object' ? env[password.env] : password };
}

/** The batch options of the config, as query fields of POST /api/batches. */
export function cutoverOptions(config: RunConfig, directory: string): Record<string, string | boolean> {
  return Object.fromEntries(
    Object.entries({
      directory: config.directory ? directory : undefined,
      forwardingDomain: config.forwardingDomain,
      setForwarding: config.setForwarding,
    }).filter((e): e is [string, string | boolean] => e[1] !== undefined),
  );
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
