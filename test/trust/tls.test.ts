import { closeImap, openImap } from '../../shared/mail/login';
import { parseEndpoint } from '../../shared/mail/settings';
import { makeTestCertificates, type TestCertificates } from '../../testing/mail/certificates';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';

/**
 * TLS against a real Dovecot with throwaway certificates: mailferry connects (implicit TLS and
 * STARTTLS) when the endpoint names the CA, and refuses by default a certificate it cannot trust,
 * with MAIL_TLS_UNTRUSTED and the fix.
 */
let certs: TestCertificates;
let trusted: RunningDovecot;
let selfSigned: RunningDovecot;
let wrongName: RunningDovecot;

beforeAll(async () => {
  certs = makeTestCertificates();
  [trusted, selfSigned, wrongName] = await Promise.all([
    startDovecot({ tls: certs.server }),
    startDovecot({ tls: certs.selfSigned }),
    startDovecot({ tls: certs.wrongName }),
  ]);
  for (const server of [trusted, selfSigned, wrongName]) server.addUser('alice', 'alice-pw-1');
}, 60_000);

afterAll(async () => {
  await Promise.all([trusted, selfSigned, wrongName].map((s) => s?.stop()));
  certs?.remove();
});

const login = { email: 'alice', password: 'alice-pw-1' };

async function connects(settings: object): Promise<string[]> {
  const client = await openImap(parseEndpoint(settings, 'source'), login, 'source');
  const caps = [...(client.capabilities?.keys() ?? [])];
  const secure = (client as unknown as { secureConnection?: boolean }).secureConnection;
  await closeImap(client);
  expect(secure).toBe(true);
  return caps;
}

test('implicit TLS and STARTTLS connect when the endpoint gives the CA', async () => {
  await connects({ host: '127.0.0.1', port: trusted.tlsPort, security: 'tls', tlsCa: certs.caPem });
  await connects({ host: 'localhost', port: trusted.port, security: 'starttls', tlsCa: certs.caPem });
});

test('a certificate from an unknown CA is refused by default, with the setting that fixes it', async () => {
  const refused = openImap(
    parseEndpoint({ host: '127.0.0.1', port: trusted.tlsPort, security: 'tls' }, 'source'),
    login,
    'source',
  );
  await expect(refused).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });
  await expect(refused).rejects.toThrow(/tlsCa/);
  const starttls = openImap(
    parseEndpoint({ host: '127.0.0.1', port: trusted.port, security: 'starttls' }, 'source'),
    login,
    'source',
  );
  await expect(starttls).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });
});

test('a self-signed certificate is refused even when another CA is given', async () => {
  const attempt = openImap(
    parseEndpoint(
      { host: '127.0.0.1', port: selfSigned.tlsPort, security: 'tls', tlsCa: certs.caPem },
      'source',
    ),
    login,
    'source',
  );
  await expect(attempt).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });
  await expect(attempt).rejects.toThrow(/self-signed or issued by an unknown CA/);
});

test('a certificate for another host name is refused, naming the fix', async () => {
  const attempt = openImap(
    parseEndpoint(
      { host: '127.0.0.1', port: wrongName.tlsPort, security: 'tls', tlsCa: certs.caPem },
      'source',
    ),
    login,
    'source',
  );
  await expect(attempt).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });
  await expect(attempt).rejects.toThrow(/not issued for that name/);
});

test('tlsCa must be a PEM certificate', () => {
  expect(() => parseEndpoint({ host: 'mail.contoso.com', tlsCa: 'not a certificate' }, 'source')).toThrow(
    /^source\.tlsCa: tlsCa must be a PEM certificate/,
  );
});
