import { ImapFlow } from 'imapflow';
import { useAzurite } from '../../testing/jest/azurite';
import { useDovecot } from '../../testing/jest/dovecot';
import { syncMailbox, type MailContext } from '../../shared/mail';
import { plainMessage, seedMailbox, snapshotMailbox } from '../../testing/mail/corpus';
import { dovecotContext } from '../../testing/jest/mail-context';

/**
 * A folder renamed on the source between two passes (real Dovecots, state in Azurite): the plan
 * recognises it by its UIDVALIDITY, lists the rename, and copies nothing again; the copies stay in
 * the folder they were copied to, and new mail in the renamed folder follows them there.
 */

const source = useDovecot();
const target = useDovecot();
const storage = useAzurite();
const USER = 'hank@example.test';

function ctx(): MailContext {
  return dovecotContext(`rename:${USER}`, USER, source(), target(), storage());
}

const as = (d: () => { host: string; port: number }) => ({
  host: d().host,
  port: d().port,
  user: USER,
  password: 'pw',
});

it('copies nothing again after a source folder is renamed, and keeps its copies in place', async () => {
  for (const d of [source(), target()]) d.addUser(USER, 'pw');
  const date = new Date('2024-04-04T04:04:04Z');
  await seedMailbox(
    as(source),
    [1, 2, 3, 4].map((i) => ({
      folder: 'Clients',
      content: plainMessage({ subject: `c ${i}`, seed: i }),
      flags: [],
      internalDate: date,
    })),
  );
  expect((await syncMailbox(ctx())).copied).toBe(4);

  const c = new ImapFlow({
    host: source().host,
    port: source().port,
    secure: false,
    logger: false,
    auth: { user: USER, pass: 'pw' },
  });
  await c.connect();
  await c.mailboxRename('Clients', 'Customers');
  await c.append('Customers', plainMessage({ subject: 'after the rename', seed: 9 }), [], date);
  await c.logout();

  const again = await syncMailbox(ctx());
  expect(again.copied).toBe(1);
  expect(again.plan.renames).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        target: 'Clients',
        reason: expect.stringMatching(/renamed on the source from Clients/),
      }),
    ]),
  );
  const dst = await snapshotMailbox(as(target));
  expect(dst.get('Clients')).toEqual((await snapshotMailbox(as(source))).get('Customers'));
  expect(dst.has('Customers')).toBe(false);
  expect((await syncMailbox(ctx())).foldersVisited).toBe(0);
}, 60000);
