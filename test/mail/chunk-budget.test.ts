import { useAzurite } from '../../testing/jest/azurite';
import { useDovecot } from '../../testing/jest/dovecot';
import { MailState, syncMailbox, type MailContext } from '../../shared/mail';
import { benchCorpus, seedMailbox, snapshotMailbox } from '../../testing/mail/corpus';
import { dovecotContext } from '../../testing/jest/mail-context';

/**
 * A chunk ends when its time is used up: with no time at all (CHUNK_MAX_MS = 0) every call appends
 * one group and leaves the rest, unstarted, to the next call; the checkpoint stops just below it.
 * Real Dovecots and Azurite: the folder still arrives whole, once, with counters equal to the target,
 * also when one of those short calls crashes after its APPEND.
 */
jest.mock('../../shared/mail/limits', () => ({
  ...jest.requireActual<object>('../../shared/mail/limits'),
  CHUNK_MAX_MS: 0,
  APPEND_BATCH_MESSAGES: 100,
}));

const source = useDovecot();
const target = useDovecot();
const storage = useAzurite();
const USER = 'ivan@example.test';

function ctx(extra: Partial<MailContext> = {}): MailContext {
  return dovecotContext(`budget:${USER}`, USER, source(), target(), storage(), extra);
}

const as = (d: () => { host: string; port: number }) => ({
  host: d().host,
  port: d().port,
  user: USER,
  password: 'pw',
});

it('copies a folder in one-group calls when the time budget is spent, whole and once, across a crash', async () => {
  for (const d of [source(), target()]) d.addUser(USER, 'pw');
  const corpus = [...benchCorpus(450, 3)].map((m) => ({ ...m, folder: 'INBOX' }));
  await seedMailbox(as(source), corpus, 4);

  let crash = true;
  const hooks = {
    afterAppend: (n: number) => {
      if (crash && n >= 100) throw new Error('simulated crash');
    },
  };
  const calls: number[] = [];
  // The first group crashes after its APPEND, before its index rows.
  await expect(syncMailbox(ctx({ hooks }), (r) => calls.push(r.copied))).rejects.toThrow('simulated crash');
  crash = false;
  const summary = await syncMailbox(ctx(), (r) => calls.push(r.copied));
  // The crashed group is found on the target; the other 350 messages go in groups of at most 100,
  // one group per call.
  expect(summary.reused).toBe(100);
  expect(summary.copied).toBe(350);
  expect(calls.length).toBeGreaterThanOrEqual(4);
  expect(Math.max(...calls)).toBeLessThanOrEqual(100);
  expect(summary.error).toBeUndefined();

  const src = await snapshotMailbox(as(source));
  const dst = await snapshotMailbox(as(target));
  expect(dst.get('INBOX')).toEqual(src.get('INBOX'));
  const folders = await new MailState(
    { connectionString: storage().connectionString },
    `budget:${USER}`,
  ).listFolders();
  expect(folders.get('INBOX')).toEqual(expect.objectContaining({ itemsSynced: 450, lastUid: 450 }));
}, 90000);
