import { imapTokenFunction } from '../shared/auth';
import { ExchangeOnlineTarget, parseEndpoint, syncMailbox } from '../shared/mail';
import { startGraphStandin } from '../testing/graph-standin';
import type { RunningDovecot } from '../testing/mail/dovecot';
import { startOAuthDovecot } from '../testing/mail/dovecot-oauth';

/**
 * The same single-mailbox copy into an Exchange-Online-like Dovecot: XOAUTH2 with the stand-in's
 * tokens and Exchange Online's capabilities (no MULTIAPPEND, no APPENDLIMIT, no CONDSTORE), so one
 * message per APPEND over `connections` connections, and `\Flagged` set by STORE after it.
 */
const CLIENT_ID = '44444444-4444-4444-4444-444444444444';
const SECRET = 'bench-secret';
const MB = 1024 * 1024;

export async function exchangeLikeCopy(
  src: RunningDovecot,
  user: string,
  storageConnectionString: string,
  extraConfig: string[],
  connections = 4,
): Promise<{ seconds: number; copied: number; bytes: number }> {
  const standin = await startGraphStandin({ apps: [{ clientId: CLIENT_ID, secret: SECRET }] });
  const exo = await startOAuthDovecot({
    tokenKey: standin.exchangeTokenKey,
    tenantId: standin.tenantId,
    maxUserIpConnections: 200,
    extraConfig,
  });
  try {
    exo.addUser(user, 'pw');
    const getAccessToken = imapTokenFunction(
      {
        tenantId: standin.tenantId,
        clientId: CLIENT_ID,
        credential: 'secret',
        authorityHost: standin.authorityHost,
      },
      SECRET,
    );
    const endpoint = parseEndpoint(
      { host: exo.host, port: exo.port, security: 'none', auth: 'xoauth2', connections },
      'target',
    );
    const t0 = Date.now();
    const r = await syncMailbox({
      mailboxKey: `bench-exo:${user}`,
      source: {
        endpoint: {
          host: src.host,
          port: src.port,
          security: 'none',
          admin: { user: src.admin.user, loginFormat: '{user}*{admin}' },
        },
        login: { email: user, password: src.admin.password },
      },
      target: { open: () => ExchangeOnlineTarget.open(endpoint, { email: user, getAccessToken }) },
      storage: { connectionString: storageConnectionString },
    });
    if (r.error) throw new Error(`${r.error.code}: ${r.error.message}`);
    return { seconds: (Date.now() - t0) / 1000, copied: r.copied, bytes: r.bytes };
  } finally {
    await exo.stop();
    await standin.stop();
  }
}

export function exchangeLikeLine(
  r: { seconds: number; copied: number; bytes: number },
  full: { seconds: number },
): string {
  return (
    `Exchange-Online-like target (XOAUTH2, single APPENDs, 4 connections): ${r.copied} messages, ` +
    `${(r.bytes / MB).toFixed(1)} MiB in ${r.seconds.toFixed(2)} s = ${(r.bytes / MB / r.seconds).toFixed(1)} MB/s, ` +
    `${(r.copied / r.seconds).toFixed(0)} messages/s; full-capability Dovecot (MULTIAPPEND): ` +
    `${(r.bytes / MB / full.seconds).toFixed(1)} MB/s, ${(r.copied / full.seconds).toFixed(0)} messages/s`
  );
}
