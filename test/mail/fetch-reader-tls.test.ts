import { createHash } from 'node:crypto';
import { ImapSource } from '../../shared/mail/source';
import { parseEndpoint } from '../../shared/mail/settings';
import { makeTestCertificates, type TestCertificates } from '../../testing/mail/certificates';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { ImapTarget } from '../../shared/mail/imap-target';
import { plainMessage } from '../../testing/mail/corpus';

/**
 * The FETCH reader's own source connection keeps the endpoint's TLS rules as imapflow's does:
 * over implicit TLS and over STARTTLS (trusted through `tlsCa`), metadata and bodies arrive byte
 * for byte. A real Dovecot with throwaway certificates.
 */
let certs: TestCertificates;
let server: RunningDovecot;
const user = 'tess';

beforeAll(async () => {
  certs = makeTestCertificates();
  server = await startDovecot({ tls: certs.server });
  server.addUser(user, 'pw');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  certs?.remove();
});

test('implicit TLS and STARTTLS: the reader reads every message byte for byte', async () => {
  const messages = Array.from({ length: 6 }, (_, i) => ({
    content: plainMessage({ subject: `tls ${i}`, attachmentBytes: i * 40_000, seed: 90 + i }),
    flags: ['\\Seen'],
    internalDate: new Date(Date.UTC(2019, 2, i + 1)),
  }));
  // Seeded over STARTTLS too (this Dovecot offers it, and imapflow would take it).
  const seed = await ImapTarget.open(
    parseEndpoint(
      { host: 'localhost', port: server.port, security: 'starttls', tlsCa: certs.caPem },
      'target',
    ),
    { email: user, password: 'pw' },
  );
  try {
    const stored = await seed.append(
      'INBOX',
      messages.map((m, i) => ({ key: `t${i}`, size: m.content.length, ...m })),
    );
    expect(stored.every((r) => r.ok)).toBe(true);
  } finally {
    await seed.close();
  }
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  for (const settings of [
    { host: '127.0.0.1', port: server.tlsPort, security: 'tls', tlsCa: certs.caPem },
    { host: 'localhost', port: server.port, security: 'starttls', tlsCa: certs.caPem },
  ]) {
    const src = await ImapSource.open(parseEndpoint(settings, 'source'), { email: user, password: 'pw' });
    try {
      await src.examine('INBOX');
      const uids = await src.allUids();
      expect((await src.meta(uids)).map((m) => m.size)).toEqual(messages.map((m) => m.content.length));
      const got: string[] = [];
      await src.bodies(uids, async (_uid, content, flags) => {
        if (Buffer.isBuffer(content)) got.push(sha(content));
        expect(flags).toEqual(['\\Seen']);
      });
      expect(got).toEqual(messages.map((m) => sha(m.content)));
    } finally {
      await src.close();
    }
  }
}, 60_000);
