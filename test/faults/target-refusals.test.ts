import { ImapTarget, MailState, parseEndpoint, syncMailbox, type MailTarget } from '../../shared/mail';
import { seedMailbox, testCorpus } from '../../testing/mail/corpus';
import { useMailServers } from './mail-fixture';

/**
 * The target changes under a running copy: folders deleted while the mailbox is being copied are
 * created again and filled; a message the target refuses "for now" is tried again on a later pass
 * instead of being listed as failed. Real Dovecots and Azurite; in the second test the target's
 * answer for one message is scripted (a real Dovecot cannot be made to say NO [UNAVAILABLE] on
 * demand), everything else is the real IMAP target.
 */
const { source, target, storage, as, ctx, compare } = useMailServers();
const USERS = ['del@example.test', 'tmp@example.test'];

beforeAll(async () => {
  for (const u of USERS) for (const d of [source(), target()]) d.addUser(u, 'pw');
  for (const u of USERS) await seedMailbox(as(source, u), testCorpus());
}, 60000);

it('target folders deleted while the mailbox is copied are created again, and nothing is lost or failed', async () => {
  const user = USERS[0]!;
  let deleted = false;
  const gone: string[] = [];
  const afterAppend = () => {
    if (deleted) return;
    deleted = true;
    // Folders the plan created and no message reached yet (a deleted copy stays deleted).
    for (const f of ['R&D', '日本語', 'Projects/2024/Q1', 'Archive', 'Junk Email', 'Drafts']) {
      const status = target().doveadm('mailbox', 'status', '-u', user, 'messages', f);
      if (/messages=0\b/.test(status)) {
        target().doveadm('mailbox', 'delete', '-u', user, '-s', f);
        gone.push(f);
      }
    }
  };
  const summary = await syncMailbox(ctx(user, {}, { hooks: { afterAppend } }));
  expect(deleted).toBe(true);
  expect(gone.length).toBeGreaterThanOrEqual(3);
  expect(summary.error).toBeUndefined();
  expect(summary.failed).toBe(0);
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
}, 90000);

it('a message the target refuses for now is copied on a later pass, not listed as failed', async () => {
  const user = USERS[1]!;
  const base = ctx(user);
  let refusals = 0;
  const open = async (): Promise<MailTarget> => {
    const real = await ImapTarget.open(
      parseEndpoint((base.target as { endpoint: unknown }).endpoint, 'target'),
      {
        email: user,
        password: 'adminpw',
      },
    );
    // The subject "unread" is refused twice with the answer Dovecot gives a locked mailbox.
    const append: MailTarget['append'] = async (folder, messages) => {
      const results = await real.append(
        folder,
        messages.filter(
          (m) => !(Buffer.isBuffer(m.content) && m.content.includes('Subject: unread') && refusals < 2),
        ),
      );
      return messages.map((m) => {
        if (Buffer.isBuffer(m.content) && m.content.includes('Subject: unread') && refusals < 2) {
          refusals++;
          return { ok: false, reason: '[INUSE] Mailbox is locked, try again later', temporary: true };
        }
        return results.shift()!;
      });
    };
    return Object.assign(Object.create(real) as MailTarget, { append });
  };
  const summary = await syncMailbox({ ...base, target: { open } });
  expect(refusals).toBe(2);
  expect(summary.error).toBeUndefined();
  expect(summary.failed).toBe(0);
  const { source: src, target: dst } = await compare(user);
  expect(dst).toEqual(src);
  // Nothing left on the skipped list once it went through.
  expect(
    await new MailState({ connectionString: storage().connectionString }, base.mailboxKey).listSkipped(),
  ).toEqual([]);
}, 90000);
