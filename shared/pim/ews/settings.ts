import { z } from 'zod';
import { EwsError, EwsErrorCode } from './errors';

/**
 * The `ews` source's settings, on the source endpoint next to its IMAP settings. No password here:
 * the admin's (impersonation) or the user's (CSV) password comes from the secret store per call.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

const ewsUrl = z
  .string()
  .url()
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  }, 'url must be https:// (plain http:// only for a loopback test server), e.g. https://mail.contoso.com/EWS/Exchange.asmx');

export const EwsSettingsSchema = z
  .object({
    /** The EWS endpoint, e.g. `https://mail.contoso.com/EWS/Exchange.asmx` (a bare host gets that path). */
    url: ewsUrl,
    /** `ntlm` (Exchange 2007's default: Integrated Windows authentication) or `basic`. */
    auth: z.enum(['basic', 'ntlm']).default('ntlm'),
    /**
     * true: every mailbox is opened by the admin account with ExchangeImpersonation (the account
     * needs ms-Exch-EPI-Impersonation and ms-Exch-EPI-May-Impersonate); false: each user logs in with
     * the credentials of the batch CSV (IMAP format: UserName, Password).
     */
    impersonation: z.boolean().default(false),
    /** The impersonating account; `domain` is the NetBIOS domain for NTLM (or write `user` as DOMAIN\\user). */
    admin: z.object({ user: z.string().min(1), domain: z.string().min(1).optional() }).optional(),
    /** Accept a self-signed server certificate (lab Exchange servers); default false. */
    allowInvalidCertificates: z.boolean().default(false),
  })
  .refine((s) => !s.impersonation || s.admin, {
    message: 'impersonation needs admin: {user, domain?} (the account with impersonation rights)',
    path: ['admin'],
  });

export type EwsSettings = z.output<typeof EwsSettingsSchema>;
export type EwsSettingsInput = z.input<typeof EwsSettingsSchema>;

/** Validates settings at the boundary: a coded error names the field and the fix. */
export function parseEwsSettings(input: unknown): EwsSettings {
  const r = EwsSettingsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = ['source', 'ews', ...(issue?.path ?? []).map(String)].join('.');
  throw new EwsError(
    EwsErrorCode.badSettings,
    `${field}: ${issue?.message ?? 'invalid'}; fix the source endpoint's ews settings`,
    {
      field,
    },
  );
}

/** The service URL: a bare `https://host/` gets Exchange's `/EWS/Exchange.asmx`. */
export function serviceUrl(settings: EwsSettings): URL {
  const url = new URL(settings.url);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/EWS/Exchange.asmx';
  return url;
}

/** `DOMAIN\user` → {domain, user}; `user@domain` and `user` stay whole (NTLM takes UPNs as is). */
export function splitAccount(name: string, domain?: string): { user: string; domain: string } {
  const i = name.indexOf('\\');
  if (i > 0) return { domain: name.slice(0, i), user: name.slice(i + 1) };
  return { user: name, domain: domain ?? '' };
}
