import { createHash } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { openWire } from '../../shared/mail/append/auth';
import { ImapTarget } from '../../shared/mail/imap-target';
import { parseEndpoint } from '../../shared/mail/settings';
import { makeTestCertificates, type TestCertificates } from '../../testing/mail/certificates';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { plainMessage } from '../../testing/mail/corpus';

/**
 * The append writer opens its own connection, so it must keep the endpoint's TLS and login rules
 * exactly as imapflow's connections do: implicit TLS and STARTTLS trusted through `tlsCa`, an
 * untrusted certificate refused with MAIL_TLS_UNTRUSTED (unless allowInvalidCertificates), a wrong
 * password MAIL_AUTH_FAILED. Real Dovecots with throwaway certificates.
 */
let certs: TestCertificates;
let trusted: RunningDovecot;
let selfSigned: RunningDovecot;
let wrongName: RunningDovecot;
const login = { email: 'alice', password: 'al"ice\\pw' };

beforeAll(async () => {
  certs = makeTestCertificates();
  [trusted, selfSigned, wrongName] = await Promise.all([
    startDovecot({ tls: certs.server }),
    startDovecot({ tls: certs.selfSigned }),
    startDovecot({ tls: certs.wrongName }),
  ]);
  for (const server of [trusted, selfSigned, wrongName]) server.addUser('alice', login.password);
}, 60_000);

afterAll(async () => {
  await Promise.all([trusted, selfSigned, wrongName].map((s) => s?.stop()));
  certs?.remove();
});

const target = (settings: object) => parseEndpoint(settings, 'target');

test('implicit TLS and STARTTLS with the endpoint CA: logged in, and an append arrives byte for byte', async () => {
  for (const settings of [
    { host: '127.0.0.1', port: trusted.tlsPort, security: 'tls', tlsCa: certs.caPem },
    { host: 'localhost', port: trusted.port, security: 'starttls', tlsCa: certs.caPem },
  ]) {
    const wire = await openWire(target(settings), login);
    expect(wire.usable).toBe(true);
    expect(wire.capabilities.has('LITERAL+')).toBe(true);
    await wire.logout();
  }
  const t = await ImapTarget.open(
    target({ host: 'localhost', port: trusted.port, security: 'starttls', tlsCa: certs.caPem }),
    login,
  );
  const content = plainMessage({ subject: 'over TLS', bodyBytes: 50_000, seed: 3 });
  try {
    const [r] = await t.append('INBOX', [
      { key: 'k', size: content.length, internalDate: new Date('2023-01-02T03:04:05Z'), content, flags: [] },
    ]);
    expect(r).toMatchObject({ ok: true });
  } finally {
    await t.close();
  }
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: trusted.port,
    secure: false,
    doSTARTTLS: false,
    logger: false,
    auth: { user: 'alice', pass: login.password },
  });
  c.on('error', () => undefined);
  await c.connect();
  await c.mailboxOpen('INBOX', { readOnly: true });
  const got = await c.fetchOne('*', { source: true });
  await c.logout();
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  expect(got && got.source ? sha(got.source) : '').toBe(sha(content));
}, 60_000);

test('an untrusted certificate is refused as imapflow refuses it; allowInvalidCertificates accepts it', async () => {
  for (const settings of [
    { host: '127.0.0.1', port: trusted.tlsPort, security: 'tls' },
    { host: '127.0.0.1', port: trusted.port, security: 'starttls' },
    { host: '127.0.0.1', port: selfSigned.tlsPort, security: 'tls', tlsCa: certs.caPem },
    { host: '127.0.0.1', port: wrongName.tlsPort, security: 'tls', tlsCa: certs.caPem },
  ]) {
    await expect(openWire(target(settings), login)).rejects.toMatchObject({ code: 'MAIL_TLS_UNTRUSTED' });
  }
  const lab = await openWire(
    target({ host: '127.0.0.1', port: selfSigned.tlsPort, security: 'tls', allowInvalidCertificates: true }),
    login,
  );
  expect(lab.usable).toBe(true);
  await lab.logout();
}, 60_000);

test('a wrong password is MAIL_AUTH_FAILED, naming the mailbox and never the password', async () => {
  const refused = openWire(
    target({ host: '127.0.0.1', port: trusted.tlsPort, security: 'tls', tlsCa: certs.caPem }),
    { email: 'alice', password: 'not-the-password' },
  );
  await expect(refused).rejects.toMatchObject({ code: 'MAIL_AUTH_FAILED' });
  await expect(refused).rejects.toThrow(/alice/);
  await expect(refused).rejects.not.toThrow(/not-the-password/);
}, 60_000);
