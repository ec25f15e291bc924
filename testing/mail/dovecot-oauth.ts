import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDovecot, type DovecotOptions, type RunningDovecot } from './dovecot';

/**
 * Dovecot as Exchange Online's IMAP for tests and the benchmark: SASL XOAUTH2 with the `oauth2`
 * passdb validating the Graph stand-in's Exchange tokens locally (RS256 signature against the
 * stand-in's public key, `exp`, `iss`, and `roles` must be `["IMAP.AccessAsApp"]`: Dovecot compares
 * the whole claim, so give an app that role alone), and Exchange
 * Online's capability list (no CONDSTORE, QRESYNC, MULTIAPPEND or APPENDLIMIT).
 *
 * App-only tokens name no user: Exchange decides per mailbox (FullAccess). Here every mailbox in
 * the userdb may be opened by a valid token (the username check compares a constant on both
 * sides); a mailbox that is not in the userdb is refused, as Exchange refuses one it has no access to.
 */

/** What Exchange Online advertises (outlook.office365.com:993, after login). */
export const EXCHANGE_ONLINE_CAPABILITIES =
  'IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+';

export interface OAuthDovecotOptions extends DovecotOptions {
  /** The stand-in's Exchange token key (GraphStandin.exchangeTokenKey). */
  tokenKey: { kid: string; publicKeyPem: string };
  /** The tenant whose tokens are accepted (`iss` https://sts.windows.net/{tenant}/). */
  tenantId: string;
}

export async function startOAuthDovecot(options: OAuthDovecotOptions): Promise<RunningDovecot> {
  const { tokenKey, tenantId, ...rest } = options;
  const dir = oauthDir();
  writeOAuthFiles(dir, tokenKey, tenantId);
  const dovecot = await startDovecot({
    ...rest,
    extraConfig: [
      'auth_mechanisms = plain login xoauth2',
      `imap_capability = ${EXCHANGE_ONLINE_CAPABILITIES}`,
      'passdb {',
      '  driver = oauth2',
      '  mechanisms = xoauth2',
      `  args = ${dir}/oauth2.conf.ext`,
      '}',
      ...(rest.extraConfig ?? []),
    ],
  });
  return {
    ...dovecot,
    async stop(): Promise<void> {
      await dovecot.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The oauth2 passdb's files, written before Dovecot starts (its temp root is made inside
 * startDovecot, so they live in a folder of their own).
 */
function oauthDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailferry-oauth-'));
  chmodSync(dir, 0o755);
  return dir;
}

function writeOAuthFiles(dir: string, key: { kid: string; publicKeyPem: string }, tenantId: string): void {
  // local_validation_key_dict: the key of a token without `azp` is looked up as default/<alg>/<kid>.
  const keys = join(dir, 'keys');
  mkdirSync(join(keys, 'default', 'RS256'), { recursive: true, mode: 0o755 });
  writeFileSync(join(keys, 'default', 'RS256', key.kid), key.publicKeyPem, { mode: 0o644 });
  writeFileSync(
    join(dir, 'oauth2.conf.ext'),
    [
      'introspection_mode = local',
      `local_validation_key_dict = fs:posix:prefix=${keys}/`,
      `issuers = https://sts.windows.net/${tenantId}/`,
      'active_attribute = roles',
      'active_value = IMAP.AccessAsApp',
      'username_attribute = tid',
      'username_format = exchange-online-app',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
}
