import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { badInput } from '../exit-codes';

/**
 * The `mailferry run` config file: the source and target IMAP servers and how many mailboxes run
 * at once. Validated with zod; every problem is reported with the field it is about
 * (`source.admin.password.env: ...`). A password is inline or `{"env": "NAME"}`, so a config file
 * can be committed without its secrets.
 */
const passwordSchema = z.union([
  z.string().min(1),
  z.object({ env: z.string().min(1, 'name the environment variable') }).strict(),
]);

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
  .strict();

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
    maxMessageSizeMB: z.number().positive().max(150).optional(),
    licenseSkuId: z.string().uuid().optional(),
  })
  .strict();

export const runConfigSchema = z
  .object({
    source: imapSideSchema,
    target: z.discriminatedUnion('type', [imapSideSchema, graphTargetSchema]),
    maxConcurrentMigrations: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type RunConfig = z.output<typeof runConfigSchema>;
type Side = z.output<typeof imapSideSchema> | z.output<typeof graphTargetSchema>;

/** An endpoint as the API's POST /api/endpoints takes it, with the passwords resolved. */
export interface EndpointRequest {
  name: string;
  type: 'imap' | 'graph';
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
  const secrets: Array<[string, z.output<typeof passwordSchema> | undefined]> = [
    ['source.admin.password', parsed.data.source.admin?.password],
    ['source.dav.password', parsed.data.source.dav?.password],
    ['source.ews.password', parsed.data.source.ews?.password],
    parsed.data.target.type === 'graph'
      ? ['target.clientSecret', parsed.data.target.clientSecret]
      : ['target.admin.password', parsed.data.target.admin?.password],
  ];
  for (const [field, pw] of secrets) {
    if (typeof pw === 'object' && !env[pw.env])
      throw badInput(
        'CONFIG_INVALID',
        `--config ${file}: ${field}.env: the environment variable ${pw.env} is not set`,
      );
  }
  return parsed.data;
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
    const settings = Object.fromEntries(
      Object.entries({ maxMessageSizeMB: side.maxMessageSizeMB, licenseSkuId: side.licenseSkuId }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    return { name, type: 'graph', settings, maxConcurrentMigrations };
  }
  const { type, admin, dav, ews, ...rest } = side;
  const settings: Record<string, unknown> = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  );
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
