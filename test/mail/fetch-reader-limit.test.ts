import { syncMailbox } from '../../shared/mail';
import { closeSessionPool } from '../../shared/mail/session-pool';
import { CORPUS_FOLDER_MAP, seedMailbox, snapshotMailbox, testCorpus } from '../../testing/mail/corpus';
import { useAzurite } from '../../testing/jest/azurite';
import { SOURCE_SPECIAL_USE, TARGET_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { dovecotContext } from '../../testing/jest/mail-context';

/**
 * A source that allows each user only as many connections as the copy's sessions need (Dovecot's
 * mail_max_userip_connections; other servers have such limits too): the FETCH reader's second
 * login is refused (`NO [LIMIT]`), and the copy reads through its first connection instead of
 * failing the mailbox as if its password were wrong.
 */
const USER = 'limited@example.test';
// syncMailbox copies two folders at once: two sessions, one command connection each.
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE, maxUserIpConnections: 2 });
const target = useDovecot({ specialUse: TARGET_SPECIAL_USE });
const storage = useAzurite();

beforeAll(() => {
  source().addUser(USER, 'pw');
  target().addUser(USER, 'pw');
});
afterEach(() => closeSessionPool());

const as = (d: () => { host: string; port: number }) => ({
  host: d().host,
  port: d().port,
  user: USER,
  password: 'pw',
});

it('copies everything, byte for byte, when the server refuses the reader a second connection', async () => {
  await seedMailbox(as(source), testCorpus(), 1);
  const summary = await syncMailbox(dovecotContext(`limit:${USER}`, USER, source(), target(), storage()));
  expect(summary.error).toBeUndefined();
  // The copy's pooled connections count against the limit too.
  await closeSessionPool();
  const src = await snapshotMailbox(as(source));
  const dst = await snapshotMailbox(as(target));
  for (const [from, to] of Object.entries(CORPUS_FOLDER_MAP))
    expect(dst.get(to) ?? []).toEqual(src.get(from) ?? []);
  expect([...src.values()].flat().length).toBeGreaterThan(0);
}, 120000);
