import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_SPECIAL_USE, TARGET_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { useAzurite } from '../../testing/jest/azurite';
import { CORPUS_FOLDER_MAP, seedMailbox, snapshotMailbox, testCorpus } from '../../testing/mail/corpus';
import { copyChunk, planMailbox, type MailContext } from '../../shared/mail';
import { closeSessionPool, idleSessions } from '../../shared/mail/session-pool';
import type { RunningDovecot } from '../../testing/mail/dovecot';

/**
 * The session pool as the activities use it: one planMailbox and one copyChunk call per folder,
 * each opening and closing its own session, as the durable activities do. Logins are counted in
 * Dovecot's own log. With the pool the mailbox logs in once per side (the target: once per
 * connection it uses) however many chunks run; a connection the server dropped is not reused.
 */
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const target = useDovecot({ specialUse: TARGET_SPECIAL_USE });
const storage = useAzurite();

beforeAll(() => {
  for (const d of [source(), target()]) for (let i = 1; i <= 3; i++) d.addUser(`s${i}@example.test`, 'pw');
});
afterEach(() => closeSessionPool());

function ctx(user: string): MailContext {
  const endpoint = (d: () => RunningDovecot) => ({
    host: d().host,
    port: d().port,
    security: 'none' as const,
    admin: { user: 'admin', loginFormat: '{user}*{admin}' },
  });
  return {
    mailboxKey: `pool:${user}`,
    source: { endpoint: endpoint(source), login: { email: user, password: 'adminpw' } },
    target: { endpoint: endpoint(target), login: { email: user, password: 'adminpw' } },
    storage: { connectionString: storage().connectionString },
  };
}

/** Successful IMAP logins of `user` in this Dovecot's log. */
function logins(d: () => RunningDovecot, user: string): number {
  const log = readFileSync(join(d().root, 'dovecot.log'), 'utf8');
  return log.split('\n').filter((l) => /imap-login: (Info: )?Login: user=</.test(l) && l.includes(user))
    .length;
}

/** Every folder copied by separate calls, one chunk per call, as the orchestrator runs them. */
async function copyByActivities(user: string): Promise<number> {
  const plan = await planMailbox(ctx(user));
  let calls = 1;
  for (const folder of plan.folders.filter((f) => f.selectable && !f.upToDate)) {
    for (;;) {
      calls++;
      const r = await copyChunk(ctx(user), folder);
      if (r.done) break;
    }
  }
  return calls;
}

async function sameMail(user: string): Promise<void> {
  const src = await snapshotMailbox({ host: source().host, port: source().port, user, password: 'pw' });
  const dst = await snapshotMailbox({ host: target().host, port: target().port, user, password: 'pw' });
  for (const [s, t] of Object.entries(CORPUS_FOLDER_MAP)) expect(dst.get(t) ?? []).toEqual(src.get(s) ?? []);
}

it('N chunk calls of one mailbox log in once per side', async () => {
  const user = 's1@example.test';
  await seedMailbox({ host: source().host, port: source().port, user, password: 'pw' }, testCorpus());
  const seeded = logins(source, user);
  const calls = await copyByActivities(user);
  expect(calls).toBeGreaterThan(5);
  // The source: its command connection, and the FETCH reader's own connection (metadata, bodies).
  expect(logins(source, user) - seeded).toBe(2);
  // The target: its command connection, and the append writer's own connection.
  expect(logins(target, user)).toBeLessThanOrEqual(2);
  expect(logins(target, user)).toBeGreaterThanOrEqual(1);
  await sameMail(user);
  // Both sides wait in the pool for the mailbox's next call...
  expect(idleSessions()).toBe(2);
  // ...and leave it when closed.
  await closeSessionPool();
  expect(idleSessions()).toBe(0);
}, 90000);

it('a pooled connection the server dropped is discarded and the next call logs in anew', async () => {
  const user = 's2@example.test';
  await seedMailbox({ host: source().host, port: source().port, user, password: 'pw' }, testCorpus());
  const seeded = logins(source, user);
  const plan = await planMailbox(ctx(user));
  expect(logins(source, user) - seeded).toBe(1);
  // The server drops every connection of the user while they sit in the pool.
  source().doveadm('kick', user);
  target().doveadm('kick', user);
  await new Promise((r) => setTimeout(r, 300));
  for (const folder of plan.folders.filter((f) => f.selectable && !f.upToDate)) {
    for (;;) if ((await copyChunk(ctx(user), folder)).done) break;
  }
  // One new login after the kick (and the FETCH reader's first), then reuse again.
  expect(logins(source, user) - seeded).toBe(3);
  await sameMail(user);
}, 90000);
