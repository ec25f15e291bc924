import { useAzurite } from '../../testing/jest/azurite';
import { useDovecot } from '../../testing/jest/dovecot';
import { MailState, syncMailbox, type MailContext } from '../../shared/mail';
import {
  plainMessage,
  seedMailbox,
  snapshotMailbox,
  type CorpusMessage,
  type SnapshotItem,
} from '../../testing/mail/corpus';
import { dovecotContext } from '../../testing/jest/mail-context';

/**
 * Pre-stage by date between two real Dovecots, state in a real Azurite: a first pass with
 * `before` = 90 days ago copies only the old mail although old and recent messages are interleaved
 * in UID order (so the checkpoint passes the recent ones); a later pass without a filter copies
 * exactly the rest, also after a crash in the middle of it; the target then holds every source
 * message once and the folder counters equal the target.
 */

const source = useDovecot();
const target = useDovecot();
const storage = useAzurite();

const DAY = 86_400_000;
const CUT = new Date(Date.now() - 90 * DAY);

function ctx(user: string, extra: Partial<MailContext> = {}): MailContext {
  return dovecotContext(`prestage:${user}`, user, source(), target(), storage(), extra);
}

const as = (d: () => { host: string; port: number }, user: string) => ({
  host: d().host,
  port: d().port,
  user,
  password: 'pw',
});

/** Old (200 days) and recent (10 days) messages alternating, in INBOX and a folder. */
function mixedMailbox(seed: number): CorpusMessage[] {
  const out: CorpusMessage[] = [];
  for (const folder of ['INBOX', 'Projects']) {
    for (let i = 0; i < 24; i++) {
      const old = i % 2 === 0;
      const internalDate = new Date(Date.now() - (old ? 200 : 10) * DAY - i * 60_000);
      // Two recent twins with one Message-ID: separate messages, each copied once.
      const id = !old && i >= 20 ? `<twin-${folder}@example.test>` : undefined;
      const content = plainMessage({
        subject: `${old ? 'old' : 'recent'} ${i}`,
        seed: seed + i,
        id,
        date: internalDate,
      });
      out.push({ folder, content, flags: i % 3 ? ['\\Seen'] : [], internalDate });
    }
  }
  return out;
}

const isOld = (m: SnapshotItem): boolean => Date.parse(m.internalDate) < CUT.getTime();

async function counters(user: string): Promise<Map<string, number>> {
  const states = await new MailState(
    { connectionString: storage().connectionString },
    `prestage:${user}`,
  ).listFolders();
  return new Map([...states.values()].map((s) => [s.source, s.itemsSynced]));
}

async function targetCounts(user: string): Promise<Map<string, number>> {
  const snap = await snapshotMailbox(as(target, user));
  return new Map(['INBOX', 'Projects'].map((f) => [f, snap.get(f)?.length ?? 0]));
}

function only(
  snap: Map<string, SnapshotItem[]>,
  keep: (m: SnapshotItem) => boolean,
): Map<string, SnapshotItem[]> {
  return new Map(['INBOX', 'Projects'].map((f) => [f, (snap.get(f) ?? []).filter(keep)]));
}

describe('pre-stage by date', () => {
  beforeAll(async () => {
    for (const d of [source(), target()])
      for (const u of ['erin@example.test', 'fred@example.test']) d.addUser(u, 'pw');
    await seedMailbox(as(source, 'erin@example.test'), mixedMailbox(1000));
    await seedMailbox(as(source, 'fred@example.test'), mixedMailbox(2000));
  }, 60000);

  it('copies old mail first, then exactly the rest; nothing twice, counters equal the target', async () => {
    const user = 'erin@example.test';
    const src = await snapshotMailbox(as(source, user));

    const first = await syncMailbox(ctx(user, { options: { before: CUT.toISOString() } }));
    expect(first.copied).toBe(24);
    expect(only(await snapshotMailbox(as(target, user)), () => true)).toEqual(only(src, isOld));
    expect(await counters(user)).toEqual(await targetCounts(user));

    const second = await syncMailbox(ctx(user));
    expect(second.copied).toBe(24);
    expect(second.reused).toBe(0);
    expect(only(await snapshotMailbox(as(target, user)), () => true)).toEqual(only(src, () => true));
    expect(await counters(user)).toEqual(await targetCounts(user));
    expect(second.stats.itemsSynced).toBe(48);

    // Nothing left to do: the next pass visits no folder and copies nothing.
    const third = await syncMailbox(ctx(user));
    expect(third.copied).toBe(0);
    expect(third.foldersVisited).toBe(0);
  }, 90000);

  it('a pass with a narrower window rescans nothing; a crash in the middle of the rescan loses and doubles nothing', async () => {
    const user = 'fred@example.test';
    const src = await snapshotMailbox(as(source, user));
    await syncMailbox(ctx(user, { options: { before: CUT.toISOString() } }));
    // Narrower still (since a year ago): nothing the first pass left out can come in.
    const narrower = await syncMailbox(
      ctx(user, {
        options: { since: new Date(Date.now() - 365 * DAY).toISOString(), before: CUT.toISOString() },
      }),
    );
    expect(narrower.foldersVisited).toBe(0);

    let crash = true;
    const hooks = {
      afterAppend: (n: number) => {
        if (crash && n >= 3) throw new Error('simulated crash');
      },
    };
    await expect(syncMailbox(ctx(user, { hooks }))).rejects.toThrow('simulated crash');
    crash = false;
    const rest = await syncMailbox(ctx(user));
    expect(rest.copied + rest.reused).toBeGreaterThan(0);
    expect(only(await snapshotMailbox(as(target, user)), () => true)).toEqual(only(src, () => true));
    expect(await counters(user)).toEqual(await targetCounts(user));
  }, 90000);
});
