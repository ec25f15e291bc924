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
    target: imapSideSchema,
    maxConcurrentMigrations: z.number().int().min(1).max(1000).optional(),
    directory: directorySchema.optional(),
    /** Batch options for the cutover: where forwarding points, and whether to set it. */
    forwardingDomain: z.string().min(1).optional(),
    setForwarding: z.boolean().optional(),
  })
  .strict();
export type RunConfig = z.output<typeof runConfigSchema>;
type Side = z.output<typeof imapSideSchema>;

/** An endpoint as the API's POST /api/endpoints takes it, with the password resolved. */
export interface EndpointRequest {
  name: string;
  type: 'imap' | 'ldap';
  settings: Record<string, unknown>;
  password?: string;
  maxConcurrentMigrations?: number;
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
  for (const side of ['source', 'target', 'directory'] as const) {
    const pw = side === 'directory' ? parsed.data.directory?.password : parsed.data[side].admin?.password;
    if (typeof pw === 'object' && !env[pw.env])
      throw badInput(
        'CONFIG_INVALID',
        `--config ${file}: ${side}${side === 'directory' ? '' : '.admin'}.password.env: the environment variable ${pw.env} is not set`,
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
  const { type, admin, ...rest } = side;
  const settings: Record<string, unknown> = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  );
  if (admin)
    settings.admin = { user: admin.user, ...(admin.loginFormat ? { loginFormat: admin.loginFormat } : {}) };
  const pw = admin?.password;
  return {
    name,
    type,
    settings,
    password: typeof pw === 'object' ? env[pw.env] : pw,
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
