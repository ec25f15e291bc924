import type { MailContext } from '../../shared/mail/settings';

/** Where a test reaches an IMAP server: a Dovecot of testing/mail/dovecot.ts, or a proxy before one. */
export interface Hop {
  host: string;
  port: number;
}

/**
 * What the copy engine needs to copy `user`'s mailbox from one test Dovecot to another: each side
 * logged in through the Dovecot admin's proxy login (`user*admin`), as the test servers are set up,
 * state in the given Azurite. `extra` adds options or hooks.
 */
export function dovecotContext(
  mailboxKey: string,
  user: string,
  source: Hop,
  target: Hop,
  storage: { connectionString: string },
  extra: Partial<MailContext> = {},
): MailContext {
  const endpoint = (h: Hop) => ({
    host: h.host,
    port: h.port,
    security: 'none' as const,
    admin: { user: 'admin', loginFormat: '{user}*{admin}' },
  });
  return {
    mailboxKey,
    source: { endpoint: endpoint(source), login: { email: user, password: 'adminpw' } },
    target: { endpoint: endpoint(target), login: { email: user, password: 'adminpw' } },
    storage: { connectionString: storage.connectionString },
    ...extra,
  };
}
