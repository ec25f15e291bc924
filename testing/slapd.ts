import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net';

/**
 * An unprivileged OpenLDAP (Debian `slapd`) for tests: its own slapd.conf, back_mdb database and
 * schema under a temp folder, plain LDAP on a free loopback port. The schema adds the Active
 * Directory / Exchange attributes the cutover touches, with their Active Directory OIDs, so the
 * directory looks like an Exchange 2007 forest to an LDAP client. Accounts: the root DN, a writer
 * service account (`cn=mailferry`) and a read-only one (`cn=reader`) whose writes are refused.
 */

export const SUFFIX = 'dc=contoso,dc=test';

export interface SlapdUser {
  /** Common name, also the uid under ou=people. */
  cn: string;
  mail?: string;
  proxyAddresses?: string[];
  userPrincipalName?: string;
  mailNickname?: string;
  targetAddress?: string;
  legacyExchangeDN?: string;
}

export interface RunningSlapd {
  url: string;
  /** With `tls`: the ldaps:// listener. */
  ldapsUrl?: string;
  port: number;
  baseDn: string;
  writer: { dn: string; password: string };
  reader: { dn: string; password: string };
  root: { dn: string; password: string };
  dnOf(cn: string): string;
  /** A full dump of the directory (every entry, every user attribute) in LDIF, as ldapsearch prints it. */
  dump(): string;
  stop(): Promise<void>;
}

const SLAPD_BIN = process.env.SLAPD_BIN ?? '/usr/sbin/slapd';
const SLAPADD_BIN = process.env.SLAPADD_BIN ?? '/usr/sbin/slapadd';

/** Active Directory's attribute OIDs; the auxiliary class uses the documentation arc (RFC 5612). */
const AD_SCHEMA = `
attributetype ( 1.2.840.113556.1.2.352 NAME 'targetAddress'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.210 NAME 'proxyAddresses'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )
attributetype ( 1.2.840.113556.1.4.655 NAME 'legacyExchangeDN'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.7000.102.11058 NAME 'msExchMailboxGuid'
  EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.447 NAME 'mailNickname'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.32473.1.1 NAME 'exchangeRecipient' SUP top AUXILIARY
  MAY ( targetAddress $ proxyAddresses $ legacyExchangeDN $ msExchMailboxGuid $ mailNickname $ userPrincipalName ) )
`;

async function waitForPort(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`slapd did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function userLdif(u: SlapdUser): string {
  const lines = [
    `dn: cn=${u.cn},ou=people,${SUFFIX}`,
    'objectClass: inetOrgPerson',
    'objectClass: exchangeRecipient',
    `cn: ${u.cn}`,
    `sn: ${u.cn}`,
  ];
  if (u.mail) lines.push(`mail: ${u.mail}`);
  for (const p of u.proxyAddresses ?? []) lines.push(`proxyAddresses: ${p}`);
  if (u.userPrincipalName) lines.push(`userPrincipalName: ${u.userPrincipalName}`);
  if (u.mailNickname) lines.push(`mailNickname: ${u.mailNickname}`);
  if (u.targetAddress) lines.push(`targetAddress: ${u.targetAddress}`);
  if (u.legacyExchangeDN) lines.push(`legacyExchangeDN: ${u.legacyExchangeDN}`);
  return lines.join('\n');
}

export interface SlapdOptions {
  /** PEM files of the server certificate and its key: StartTLS on ldap:// and a second, ldaps:// port. */
  tls?: { certFile: string; keyFile: string };
}

export async function startSlapd(users: SlapdUser[], options: SlapdOptions = {}): Promise<RunningSlapd> {
  const dir = mkdtempSync(join(tmpdir(), 'mailferry-slapd-'));
  mkdirSync(join(dir, 'data'));
  const root = { dn: `cn=admin,${SUFFIX}`, password: 'root-secret' };
  const writer = { dn: `cn=mailferry,${SUFFIX}`, password: 'writer-secret' };
  const reader = { dn: `cn=reader,${SUFFIX}`, password: 'reader-secret' };
  writeFileSync(join(dir, 'ad-exchange.schema'), AD_SCHEMA);
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `include ${join(dir, 'ad-exchange.schema')}`,
      `pidfile ${join(dir, 'slapd.pid')}`,
      `argsfile ${join(dir, 'slapd.args')}`,
      ...(options.tls
        ? [`TLSCertificateFile ${options.tls.certFile}`, `TLSCertificateKeyFile ${options.tls.keyFile}`]
        : []),
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database mdb',
      `suffix "${SUFFIX}"`,
      `rootdn "${root.dn}"`,
      `rootpw ${root.password}`,
      `directory ${join(dir, 'data')}`,
      'maxsize 10485760',
      'access to attrs=userPassword by anonymous auth by * none',
      `access to * by dn.exact="${writer.dn}" write by users read by * none`,
      '',
    ].join('\n'),
  );
  const ldif = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Contoso\ndc: contoso`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ${writer.dn}\nobjectClass: person\ncn: mailferry\nsn: service\nuserPassword: ${writer.password}`,
    `dn: ${reader.dn}\nobjectClass: person\ncn: reader\nsn: service\nuserPassword: ${reader.password}`,
    ...users.map(userLdif),
  ].join('\n\n');
  writeFileSync(join(dir, 'data.ldif'), ldif + '\n');
  execFileSync(SLAPADD_BIN, ['-q', '-f', conf, '-l', join(dir, 'data.ldif')], { stdio: 'pipe' });

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const tlsPort = options.tls ? await freePort() : undefined;
  const ldapsUrl = tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined;
  const listen = ldapsUrl ? `${url} ${ldapsUrl}` : url;
  // `-d 0` keeps slapd in the foreground, so it is this process's child and dies with the test.
  const child: ChildProcess = spawn(SLAPD_BIN, ['-d', '0', '-f', conf, '-h', listen], { stdio: 'ignore' });
  try {
    await waitForPort(port, Date.now() + 15000);
    if (tlsPort) await waitForPort(tlsPort, Date.now() + 15000);
  } catch (e) {
    child.kill('SIGTERM');
    throw e;
  }
  return {
    url,
    ldapsUrl,
    port,
    baseDn: SUFFIX,
    writer,
    reader,
    root,
    dnOf: (cn) => `cn=${cn},ou=people,${SUFFIX}`,
    dump: () =>
      execFileSync(
        'ldapsearch',
        [
          '-x',
          '-LLL',
          '-o',
          'ldif-wrap=no',
          '-H',
          url,
          '-D',
          root.dn,
          '-w',
          root.password,
          '-b',
          SUFFIX,
          '*',
        ],
        { encoding: 'utf8' },
      ),
    stop: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
