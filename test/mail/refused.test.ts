import { useAzurite } from '../../testing/jest/azurite';
import { useDovecot } from '../../testing/jest/dovecot';
import { MailState, syncMailbox, type MailContext } from '../../shared/mail';
import { plainMessage, seedMailbox, snapshotMailbox } from '../../testing/mail/corpus';
import { dovecotContext } from '../../testing/jest/mail-context';

/**
 * A message the target refuses for good is a skipped item, like a too-large one: listed with the
 * target's reason, in the skipped counters of its folder and of the mailbox, and not appended again
 * on the next pass. The target is a real Dovecot with a 100 KB quota: the small messages fit, the
 * 270 KB one is answered "NO [OVERQUOTA] Quota exceeded" (a permanent refusal, RFC 5530), far below
 * the engine's own size limit, so only the target's answer can skip it.
 */

const source = useDovecot();
const target = useDovecot({
  extraConfig: [
    'mail_plugins = $mail_plugins quota',
    'plugin {',
    '  quota = count:User quota',
    '  quota_vsizes = yes',
    '  quota_rule = *:storage=100k',
    '}',
  ],
});
const storage = useAzurite();
const USER = 'gina@example.test';

function ctx(): MailContext {
  return dovecotContext(`refused:${USER}`, USER, source(), target(), storage());
}

const as = (d: () => { host: string; port: number }, user: string) => ({
  host: d().host,
  port: d().port,
  user,
  password: 'pw',
});

beforeAll(async () => {
  for (const d of [source(), target()]) d.addUser(USER, 'pw');
  const date = new Date('2024-02-02T02:02:02Z');
  await seedMailbox(as(source, USER), [
    ...[1, 2, 3].map((i) => ({
      folder: 'INBOX',
      content: plainMessage({ subject: `small ${i}`, seed: i }),
      flags: [],
      internalDate: date,
    })),
    {
      folder: 'INBOX',
      content: plainMessage({ subject: 'big report', seed: 9, attachmentBytes: 200_000 }),
      flags: [],
      internalDate: date,
    },
  ]);
}, 60000);

it('counts a message the target refuses for good as skipped, with its reason, once', async () => {
  const first = await syncMailbox(ctx());
  expect(first.copied).toBe(3);
  expect(first.skipped).toBe(1);
  expect(first.failed).toBe(1);
  expect(first.stats.itemsSkipped).toBe(1);
  expect(first.stats.bytesSkipped).toBeGreaterThan(200_000);
  const inbox = first.stats.folders.find((f) => f.folder === 'INBOX')!;
  expect(inbox).toMatchObject({ itemsSynced: 3, itemsSkipped: 1, sourceItems: 4 });

  const listed = await new MailState(
    { connectionString: storage().connectionString },
    `refused:${USER}`,
  ).listSkipped();
  expect(listed).toEqual([
    expect.objectContaining({
      folder: 'INBOX',
      subject: 'big report',
      kind: 'failed',
      reason: expect.stringMatching(/refused.*quota/i),
    }),
  ]);
  expect((await snapshotMailbox(as(target, USER))).get('INBOX')).toHaveLength(3);

  // The next pass neither appends it again nor counts it twice.
  const second = await syncMailbox(ctx());
  expect(second.copied).toBe(0);
  expect(second.stats.itemsSkipped).toBe(1);
  expect((await snapshotMailbox(as(target, USER))).get('INBOX')).toHaveLength(3);
}, 60000);
