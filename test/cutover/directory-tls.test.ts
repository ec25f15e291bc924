import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirectoryClient, parseLdapSettings, withDirectory } from '../../shared/directory';
import { startSlapd, type RunningSlapd } from '../../testing/slapd';

/**
 * The directory's transport: StartTLS and ldaps:// against a slapd with a certificate from a
 * private CA. Certificates are verified by default: without the CA the connection is refused with
 * a coded error, and so is StartTLS against a directory that does not offer it.
 */
let tls: RunningSlapd;
let plain: RunningSlapd;
let dir: string;
let caPem: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mailferry-ldaptls-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=mailferry test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(
    f('ext.cnf'),
    'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('ext.cnf'),
  );
  caPem = readFileSync(f('ca.pem'), 'utf8');
  const users = [{ cn: 'alice', mail: 'alice@contoso.test' }];
  tls = await startSlapd(users, { tls: { certFile: f('server.pem'), keyFile: f('server.key') } });
  plain = await startSlapd(users);
}, 60000);

afterAll(async () => {
  await Promise.all([tls?.stop(), plain?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const settings = (s: RunningSlapd, extra: object) =>
  parseLdapSettings({ url: s.url, bindDn: s.writer.dn, baseDn: s.baseDn, ...extra });

test('StartTLS and ldaps:// with the private CA bind and find a user', async () => {
  const starttls = settings(tls, { caCertificatePem: caPem });
  expect(starttls.security).toBe('starttls'); // the default for ldap://
  const found = await withDirectory(starttls, tls.writer.password, (d) => d.findUser('alice@contoso.test'));
  expect(found.dn).toBe(tls.dnOf('alice'));
  const ldaps = parseLdapSettings({
    url: tls.ldapsUrl,
    bindDn: tls.writer.dn,
    baseDn: tls.baseDn,
    caCertificatePem: caPem,
  });
  expect(ldaps.security).toBe('tls');
  await expect(withDirectory(ldaps, tls.writer.password, (d) => d.probe())).resolves.toEqual({
    baseDn: tls.baseDn,
  });
});

test('a certificate from an unknown CA is refused, over StartTLS and ldaps://', async () => {
  await expect(DirectoryClient.open(settings(tls, {}), tls.writer.password)).rejects.toMatchObject({
    code: 'DIRECTORY_TLS_FAILED',
  });
  const ldaps = parseLdapSettings({ url: tls.ldapsUrl, bindDn: tls.writer.dn, baseDn: tls.baseDn });
  await expect(DirectoryClient.open(ldaps, tls.writer.password)).rejects.toMatchObject({
    code: 'DIRECTORY_TLS_FAILED',
  });
});

test('a directory without StartTLS is refused unless security is none', async () => {
  await expect(DirectoryClient.open(settings(plain, {}), plain.writer.password)).rejects.toMatchObject({
    code: 'DIRECTORY_TLS_FAILED',
  });
  expect(() => parseLdapSettings({ url: plain.url, bindDn: 'x', baseDn: 'y', security: 'tls' })).toThrow(
    expect.objectContaining({ code: 'ENDPOINT_INVALID' }),
  );
});
