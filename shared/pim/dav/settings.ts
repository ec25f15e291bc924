import { z } from 'zod';
import { CodedError } from '../../domain/errors';

/**
 * The `dav` block of a source endpoint, beside its IMAP settings: where the user's calendars and
 * address books are. `url` is the server root (discovery follows RFC 6764 `/.well-known/caldav`
 * and `/.well-known/carddav`, then current-user-principal and the home sets) or a principal URL.
 * `login` is the user name template (`{email}`, `{user}` = local part, `{domain}`); `password` is a
 * `secret:<name>` reference, else the mailbox's own CSV password, else the endpoint's admin password.
 */
export const DavSettingsSchema = z
  .object({
    url: z.string().url(),
    /** `tls` = https only; `none` = plain http (loopback and lab servers only). */
    security: z.enum(['tls', 'none']).default('tls'),
    login: z.string().min(1).default('{email}'),
    password: z.string().optional(),
    /** The zone of floating (zone-less) times and all-day events; default UTC. */
    defaultTimeZone: z.string().min(1).default('UTC'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const https = s.url.startsWith('https://');
    if (s.security === 'tls' && !https) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'must be https:// (or set security "none" for a lab server)',
      });
    }
  });
export type DavSettings = z.output<typeof DavSettingsSchema>;

export function parseDavSettings(input: unknown, field = 'settings.dav'): DavSettings {
  const r = DavSettingsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = [field, ...(issue?.path ?? []).map(String)].join('.');
  throw new CodedError(
    'ENDPOINT_INVALID',
    `${where}: ${issue?.message ?? 'invalid'}; fix the source endpoint's dav settings`,
    {
      field: where,
    },
  );
}

/** The DAV user name for a mailbox, from the template. */
export function davLogin(template: string, email: string): string {
  const [user = '', domain = ''] = email.split('@');
  return template
    .replace(/\{email\}/g, email)
    .replace(/\{user\}/g, user)
    .replace(/\{domain\}/g, domain);
}
