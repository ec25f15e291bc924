import { createHash } from 'node:crypto';
import { imapTokenFunction } from '../../shared/auth';
import { ImapSource } from '../../shared/mail/source';
import { parseEndpoint } from '../../shared/mail/settings';
import { CLIENT_ID, TEST_SECRET } from '../../testing/jest/graph';
import { plainMessage, seedMailbox } from '../../testing/mail/corpus';
import { useExchangeOnline } from '../exo/exo-harness';

/**
 * The FETCH reader's own connection logs in to an XOAUTH2 source as imapflow's does (a Dovecot
 * that validates the Graph stand-in's Exchange tokens and advertises Exchange Online's
 * capabilities): the metadata and every body come back, byte for byte, through it.
 */
const exo = useExchangeOnline();
const user = 'erin@contoso.com';

beforeAll(() => exo().imap.addUser(user, 'pw'));

test('an xoauth2 source is read through the FETCH reader: metadata and every body', async () => {
  const messages = Array.from({ length: 8 }, (_, i) => ({
    folder: 'INBOX',
    content: plainMessage({ subject: `oauth source ${i}`, bodyBytes: 3000 + i * 9000, seed: 60 + i }),
    flags: i % 2 ? ['\\Seen'] : [],
    internalDate: new Date(Date.UTC(2021, 5, i + 1)),
  }));
  await seedMailbox({ host: exo().imap.host, port: exo().imap.port, user, password: 'pw' }, messages);
  const endpoint = parseEndpoint(
    { host: exo().imap.host, port: exo().imap.port, security: 'none', auth: 'xoauth2' },
    'source',
  );
  const getAccessToken = imapTokenFunction(
    {
      tenantId: exo().standin.tenantId,
      clientId: CLIENT_ID,
      credential: 'secret',
      authorityHost: exo().standin.authorityHost,
    },
    TEST_SECRET,
  );
  const src = await ImapSource.open(endpoint, { email: user, getAccessToken });
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  try {
    await src.examine('INBOX');
    const uids = await src.allUids();
    const metas = await src.meta(uids);
    expect(metas.map((m) => [m.size, m.internalDate.toISOString(), m.flags])).toEqual(
      messages.map((m) => [m.content.length, m.internalDate.toISOString(), m.flags]),
    );
    const got: string[] = [];
    await src.bodies(uids, async (_uid, content) => {
      if (Buffer.isBuffer(content)) got.push(sha(content));
    });
    expect(got).toEqual(messages.map((m) => sha(m.content)));
  } finally {
    await src.close();
  }
}, 60_000);
