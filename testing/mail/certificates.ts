import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Throwaway certificates for TLS tests, made with openssl: a CA, a server certificate it issued for
 * 127.0.0.1 and localhost, one it issued for another name, and a self-signed one. Files live in a
 * temp folder until `remove()`.
 */
export interface TestCertificates {
  dir: string;
  /** The CA certificate, PEM text (what an endpoint's tlsCa takes). */
  caPem: string;
  caFile: string;
  /** Issued by the CA for 127.0.0.1 / localhost. */
  server: { certFile: string; keyFile: string };
  /** Issued by the CA for mail.elsewhere.example only. */
  wrongName: { certFile: string; keyFile: string };
  /** Self-signed for 127.0.0.1 / localhost. */
  selfSigned: { certFile: string; keyFile: string };
  remove(): void;
}

const openssl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
};

function issue(dir: string, name: string, san: string, cn: string): { certFile: string; keyFile: string } {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    `${name}.crt`,
  ]);
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'mailferry-tls-'));
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=mailferry test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const loopback = 'IP:127.0.0.1,DNS:localhost';
  const server = issue(dir, 'server', loopback, 'localhost');
  const wrongName = issue(dir, 'wrong', 'DNS:mail.elsewhere.example', 'mail.elsewhere.example');
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'self.key',
    '-out',
    'self.crt',
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    `subjectAltName=${loopback}`,
  ]);
  return {
    dir,
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    caFile: join(dir, 'ca.crt'),
    server,
    wrongName,
    selfSigned: { certFile: join(dir, 'self.crt'), keyFile: join(dir, 'self.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
