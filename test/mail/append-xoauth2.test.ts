import { imapTokenFunction } from '../../shared/auth';
import { openWire } from '../../shared/mail/append/auth';
import { ImapTarget } from '../../shared/mail/imap-target';
import { parseEndpoint } from '../../shared/mail/settings';
import { CLIENT_ID, TEST_SECRET } from '../../testing/jest/graph';
import { plainMessage, snapshotMailbox } from '../../testing/mail/corpus';
import { useExchangeOnline } from '../exo/exo-harness';

/**
 * The append writer's XOAUTH2 login, against a Dovecot that validates the Graph stand-in's
 * Exchange tokens and advertises Exchange Online's capabilities (LITERAL+, no MULTIAPPEND): a plain
 * IMAP target with `auth: xoauth2` pipelines its appends; a token the server refuses gets exactly
 * one fresh token (forceRefresh), as imapflow's logins do; a token refused again is MAIL_AUTH_FAILED.
 */
const exo = useExchangeOnline();
const user = 'dave@contoso.com';

beforeAll(() => exo().imap.addUser(user, 'pw'));

const token = () =>
  imapTokenFunction(
    {
      tenantId: exo().standin.tenantId,
      clientId: CLIENT_ID,
      credential: 'secret',
      authorityHost: exo().standin.authorityHost,
    },
    TEST_SECRET,
  );
const endpoint = () =>
  parseEndpoint(
    { host: exo().imap.host, port: exo().imap.port, security: 'none', auth: 'xoauth2' },
    'target',
  );

test('an xoauth2 IMAP target pipelines its appends; every message arrives', async () => {
  const target = await ImapTarget.open(endpoint(), { email: user, getAccessToken: token() });
  const messages = Array.from({ length: 12 }, (_, i) => {
    const content = plainMessage({ subject: `oauth ${i}`, bodyBytes: 6000 + i * 1000, seed: 40 + i });
    return {
      key: `o${i}`,
      size: content.length,
      internalDate: new Date(Date.UTC(2022, 0, i + 1)),
      content,
      flags: [],
    };
  });
  try {
    // Many per call although the server has no MULTIAPPEND: the writer pipelines them.
    expect(target.capabilities.appendBatch).toBeGreaterThan(1);
    const results = await target.append('INBOX', messages);
    expect(results.every((r) => r.ok && r.id)).toBe(true);
  } finally {
    await target.close();
  }
  const snap = await snapshotMailbox({ host: exo().imap.host, port: exo().imap.port, user, password: 'pw' });
  expect(snap.get('INBOX')).toHaveLength(messages.length);
}, 60_000);

test('a refused token gets one fresh token; refused again, the login fails as MAIL_AUTH_FAILED', async () => {
  const real = token();
  const asked: boolean[] = [];
  const wire = await openWire(endpoint(), {
    email: user,
    getAccessToken: async (o) => {
      asked.push(!!o?.forceRefresh);
      return o?.forceRefresh ? real(o) : 'expired-token';
    },
  });
  expect(asked).toEqual([false, true]);
  expect(wire.usable).toBe(true);
  await wire.logout();
  await expect(
    openWire(endpoint(), { email: user, getAccessToken: async () => 'expired-token' }),
  ).rejects.toMatchObject({ code: 'MAIL_AUTH_FAILED' });
}, 60_000);
