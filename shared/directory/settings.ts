import { z } from 'zod';
import { CodedError } from '../domain/errors';

/**
 * Settings of an `ldap` endpoint: the on-premises directory (Active Directory in production, any
 * LDAPv3 server in tests) whose users get their `targetAddress` set at cutover. The bind password
 * is the endpoint's secret (secret store), never a setting.
 *
 * Transport: `ldaps://` is TLS from the first byte; `ldap://` is upgraded with StartTLS unless
 * `security` says `none` (only sensible on a loopback or lab directory). Certificates are verified
 * against the system store, or `caCertificatePem` when the directory uses a private CA.
 */
export const FIND_BY = ['mail', 'proxyAddresses', 'userPrincipalName'] as const;
export type FindBy = (typeof FIND_BY)[number];

export const ldapSettingsSchema = z
  .object({
    url: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'must be ldap://host[:port] or ldaps://host[:port]'),
    bindDn: z.string().min(1, 'must name the account mailferry binds as'),
    baseDn: z.string().min(1, 'must name the subtree where users are searched'),
    /** How a CSV address finds its user: `mail=`, `proxyAddresses=smtp:` or `userPrincipalName=`. */
    findBy: z.enum(FIND_BY).default('mail'),
    /** Default: `tls` for ldaps://, `starttls` for ldap://. */
    security: z.enum(['tls', 'starttls', 'none']).optional(),
    caCertificatePem: z.string().min(1).optional(),
  })
  .strict();
export type LdapSettings = z.output<typeof ldapSettingsSchema> & { security: 'tls' | 'starttls' | 'none' };

/** Validates an ldap endpoint's settings; ENDPOINT_INVALID names the field and the fix. */
export function parseLdapSettings(settings: unknown, endpoint = '(new)'): LdapSettings {
  const parsed = ldapSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = `settings.${issue?.path.join('.') ?? ''}`;
    throw new CodedError('ENDPOINT_INVALID', `${field} ${issue?.message ?? 'is invalid'}.`, {
      endpoint,
      field,
    });
  }
  const s = parsed.data;
  const ldaps = /^ldaps:/i.test(s.url);
  const security = s.security ?? (ldaps ? 'tls' : 'starttls');
  if (ldaps !== (security === 'tls')) {
    throw new CodedError(
      'ENDPOINT_INVALID',
      `settings.security "${security}" does not fit ${s.url}: use "tls" with ldaps://, "starttls" or "none" with ldap://.`,
      { endpoint, field: 'settings.security' },
    );
  }
  return { ...s, security };
}
