import { z } from 'zod';
import type { StorageSettings } from '../storage/clients';
import {
  DEFAULT_BAD_ITEM_LIMIT,
  DEFAULT_MAX_MESSAGE_MB,
  DEFAULT_TARGET_CONNECTIONS,
  MAX_MESSAGE_MB_CEILING,
} from './limits';
import { MailError, MailErrorCode } from './errors';
import type { MailTarget } from './target';
import { folderMapSchema, folderRulesSchema } from './folder-map';

/**
 * Settings the engine accepts, validated at its boundary. Secrets (passwords, the token provider)
 * are passed in per call and never stored by the engine.
 */

const loginFormat = z
  .string()
  .min(1)
  .refine(
    (f) => f.includes('{admin}'),
    'loginFormat must contain {admin}, e.g. "{user}*{admin}" or "{domain}/{admin}/{alias}"',
  );

export const ImapEndpointSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).optional(),
  /** `tls` = implicit TLS (993), `starttls` = upgrade on 143, `none` = plain (loopback tests only). */
  security: z.enum(['tls', 'starttls', 'none']).default('tls'),
  /** Accept self-signed certificates (lab servers); default false. */
  allowInvalidCertificates: z.boolean().default(false),
  /**
   * PEM of a CA (or of the server's own certificate) to trust for this server besides the system's
   * roots: a server whose certificate an internal CA issued. Safer than allowInvalidCertificates.
   */
  tlsCa: z
    .string()
    .refine((v) => v.includes('-----BEGIN CERTIFICATE-----'), 'tlsCa must be a PEM certificate')
    .optional(),
  /** Admin proxy login: every mailbox is opened as `loginFormat` with the admin's password. */
  admin: z.object({ user: z.string().min(1), loginFormat: loginFormat.default('{user}*{admin}') }).optional(),
  /** `password` (LOGIN/PLAIN) or `xoauth2` (Exchange Online: the token comes from getAccessToken). */
  auth: z.enum(['password', 'xoauth2']).default('password'),
  /**
   * With `xoauth2`: the app registration whose app-only tokens (msal client credentials) open the
   * mailboxes. The client secret or certificate PEM is the endpoint's secret, never a setting.
   */
  oauth: z
    .object({
      tenantId: z.string().min(1),
      clientId: z.string().min(1),
      /** Which kind of credential the endpoint's secret holds; a certificate is preferred. */
      credential: z.enum(['secret', 'certificate']).default('secret'),
      /** https://login.microsoftonline.com unless another cloud (or the local stand-in). */
      authorityHost: z.url().optional(),
      /** Resource scope of the token; Exchange Online's by default. */
      scope: z.string().min(1).default('https://outlook.office365.com/.default'),
    })
    .strict()
    .optional(),
  /** Target only: largest message accepted, in MB (APPENDLIMIT, when advertised, lowers it). */
  maxMessageSizeMB: z.number().positive().max(MAX_MESSAGE_MB_CEILING).default(DEFAULT_MAX_MESSAGE_MB),
  /** Target only: concurrent APPEND connections per mailbox. */
  connections: z.number().int().min(1).max(8).default(DEFAULT_TARGET_CONNECTIONS),
});
export type ImapEndpoint = z.output<typeof ImapEndpointSchema>;
export type ImapEndpointInput = z.input<typeof ImapEndpointSchema>;

/** One side's secrets for one mailbox. Passed per call; never written anywhere. */
export interface MailboxLogin {
  /** The mailbox address (target login for XOAUTH2, {user} in an admin login format). */
  email: string;
  /** Per-user login name (IMAP CSV `UserName`); with `password` it replaces the admin proxy login. */
  userName?: string;
  /** The per-user password, or the admin's password with an admin proxy login. */
  password?: string;
  /**
   * XOAUTH2 token provider (shared/auth supplies it). `forceRefresh` asks past its cache, after the
   * server refused a token as expired.
   */
  getAccessToken?: (options?: { forceRefresh?: boolean }) => Promise<string>;
}

const pattern = z.string().min(1);
export const CopyOptionsSchema = z.object({
  /** Folders to copy (glob with * and ?, or /regex/flags) matched against the source path with `/`. */
  include: z.array(pattern).default([]),
  exclude: z.array(pattern).default([]),
  /** Explicit folder mapping and mapping rules (folder-map.ts), beside include/exclude. */
  folderMap: folderMapSchema.default({}),
  folderRules: folderRulesSchema.default([]),
  /** Only messages whose INTERNALDATE is on or after `since` / before `before` (ISO dates). */
  since: z.coerce.date().optional(),
  before: z.coerce.date().optional(),
  badItemLimit: z.number().int().min(0).default(DEFAULT_BAD_ITEM_LIMIT),
  /** Remove from the target what was removed on the source (default: leave it). */
  mirrorDeletions: z.boolean().default(false),
});
export type CopyOptions = z.output<typeof CopyOptionsSchema>;
export type CopyOptionsInput = z.input<typeof CopyOptionsSchema>;

/** Test and diagnostics hooks: never used in production paths except as no-ops. */
export interface CopyHooks {
  /** Called after each successful APPEND (before the index knows of it). Throwing aborts the chunk. */
  afterAppend?(count: number): void | Promise<void>;
}

/**
 * Everything one call needs. Activities build it from the mailbox row, the endpoints and the secret
 * store; nothing of it is kept after the call.
 */
export interface MailContext {
  /** Stable key of this mailbox's engine state, e.g. `${batchId}:${email}`. */
  mailboxKey: string;
  source: { endpoint: ImapEndpointInput; login: MailboxLogin };
  /** An IMAP target (endpoint + login) or any other MailTarget implementation (e.g. Graph). */
  target: { endpoint: ImapEndpointInput; login: MailboxLogin } | { open(): Promise<MailTarget> };
  storage: StorageSettings;
  options?: CopyOptionsInput;
  hooks?: CopyHooks;
  /** Aborts between messages; the chunk then ends without losing its checkpoint. */
  signal?: AbortSignal;
}

export function parseEndpoint(input: unknown, side: 'source' | 'target'): ImapEndpoint {
  const r = ImapEndpointSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = [side, ...(issue?.path ?? []).map(String)].join('.');
  throw new MailError(
    MailErrorCode.badSettings,
    `${field}: ${issue?.message ?? 'invalid'}; fix the ${side} endpoint settings`,
    {
      field,
    },
  );
}

export function parseOptions(input: unknown): CopyOptions {
  const r = CopyOptionsSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = ['options', ...(issue?.path ?? []).map(String)].join('.');
  throw new MailError(MailErrorCode.badSettings, `${field}: ${issue?.message ?? 'invalid'}`, { field });
}
