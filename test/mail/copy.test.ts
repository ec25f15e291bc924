import { CORPUS_FOLDER_MAP } from '../../testing/mail/corpus';
import { ImapFlow } from 'imapflow';
import { useAzurite } from '../../testing/jest/azurite';
import { SOURCE_SPECIAL_USE, TARGET_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { MailState, syncMailbox, type MailContext } from '../../shared/mail';
import {
  plainMessage,
  seedMailbox,
  snapshotMailbox,
  testCorpus,
  type SnapshotItem,
} from '../../testing/mail/corpus';

/**
 * The engine end to end between two real Dovecots with state in a real Azurite: fidelity, reruns,
 * incremental sync, crash recovery, the size limit and a source that is never touched.
 */

const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const target = useDovecot({ specialUse: TARGET_SPECIAL_USE });
const storage = useAzurite();

const LARGE = 40 * 1024 * 1024;
const FOLDER_MAP: Record<string, string> = { ...CORPUS_FOLDER_MAP };

function ctx(user: string, extra: Partial<MailContext> = {}, maxMessageSizeMB?: number): MailContext {
  const endpoint = (d: () => { host: string; port: number }) => ({
    host: d().host,
    port: d().port,
    security: 'none' as const,
    admin: { user: 'admin', loginFormat: '{user}*{admin}' },
    maxMessageSizeMB,
  });
  return {
    mailboxKey: `batch1:${user}`,
    source: { endpoint: endpoint(source), login: { email: user, password: 'adminpw' } },
    target: { endpoint: endpoint(target), login: { email: user, password: 'adminpw' } },
    storage: { connectionString: storage().connectionString },
    ...extra,
  };
}

const as = (d: () => { host: string; port: number }, user: string) => ({
  host: d().host,
  port: d().port,
  user,
  password: 'pw',
});

/** Target snapshot restricted to mapped folders, keyed by source folder name. */
async function mapped(user: string): Promise<Map<string, SnapshotItem[]>> {
  const snap = await snapshotMailbox(as(target, user));
  const out = new Map<string, SnapshotItem[]>();
  for (const [src, dst] of Object.entries(FOLDER_MAP)) out.set(src, snap.get(dst) ?? []);
  return out;
}

function withoutLarge(snap: Map<string, SnapshotItem[]>): Map<string, SnapshotItem[]> {
  return new Map([...snap].map(([k, v]) => [k, v.filter((m) => m.size < LARGE)]));
}

function onlyMapped(snap: Map<string, SnapshotItem[]>): Map<string, SnapshotItem[]> {
  return new Map(Object.keys(FOLDER_MAP).map((k) => [k, snap.get(k) ?? []]));
}

describe('mail copy engine, Dovecot to Dovecot', () => {
  const alice = 'alice@example.test';
  let before: Map<string, SnapshotItem[]>;

  beforeAll(async () => {
    for (const d of [source(), target()]) {
      d.addUser(alice, 'pw');
      d.addUser('bob@example.test', 'pw');
      d.addUser('carol@example.test', 'pw');
    }
    await seedMailbox(as(source, alice), testCorpus({ largeBytes: LARGE }));
    before = await snapshotMailbox(as(source, alice));
  }, 60000);

  it('copies every message byte for byte into the mapped folders, with flags, keywords and dates; lists the 40 MB one', async () => {
    const summary = await syncMailbox(ctx(alice));
    expect(summary.error).toBeUndefined();
    expect(summary.skipped).toBe(1);
    expect(await mapped(alice)).toEqual(withoutLarge(onlyMapped(before)));
    expect(summary.plan.folders.map((f) => [f.source, f.target])).toEqual(
      expect.arrayContaining(Object.entries(FOLDER_MAP)),
    );
    const skipped = await new MailState(
      { connectionString: storage().connectionString },
      `batch1:${alice}`,
    ).listSkipped();
    expect(skipped).toEqual([
      expect.objectContaining({
        folder: 'INBOX',
        subject: 'very large',
        kind: 'tooLarge',
        reason: expect.stringMatching(/35\.0 MB/),
      }),
    ]);
    expect(skipped[0]!.size).toBeGreaterThan(LARGE - 1024);
    expect(summary.stats.itemsSynced).toBe(summary.copied);
    expect(summary.stats.bytesSynced).toBeGreaterThan(0);
    expect(summary.stats.lastSuccessfulSync).toBeDefined();
  }, 90000);

  it('appends nothing on a rerun and visits no folder of an unchanged mailbox', async () => {
    const summary = await syncMailbox(ctx(alice));
    expect(summary.copied).toBe(0);
    expect(summary.foldersVisited).toBe(0);
    expect(await mapped(alice)).toEqual(withoutLarge(onlyMapped(before)));
    expect(await snapshotMailbox(as(source, alice))).toEqual(before);
  });

  it('brings exactly the new messages, the new folder and the flag changes on an incremental run', async () => {
    const c = new ImapFlow({
      host: source().host,
      port: source().port,
      secure: false,
      logger: false,
      auth: { user: alice, pass: 'pw' },
    });
    await c.connect();
    await c.append(
      'INBOX',
      plainMessage({ subject: 'new one', seed: 101 }),
      ['\\Seen'],
      new Date('2025-05-05T05:05:05Z'),
    );
    await c.append('INBOX', plainMessage({ subject: 'new two', id: '<same@example.test>', seed: 102 }), []);
    await c.mailboxCreate('Nouveau dossier');
    await c.append('Nouveau dossier', plainMessage({ subject: 'in a new folder', seed: 103 }), [
      '$Forwarded',
    ]);
    await c.mailboxOpen('INBOX');
    await c.messageFlagsAdd('1', ['\\Flagged', 'Urgent'], { uid: true });
    await c.messageFlagsRemove('2', ['\\Seen'], { uid: true });
    await c.logout();
    const changed = await snapshotMailbox(as(source, alice));

    const summary = await syncMailbox(ctx(alice));
    expect(summary.copied).toBe(3);
    expect(summary.flagsUpdated).toBe(2);
    const snap = await snapshotMailbox(as(target, alice));
    expect(snap.get('Nouveau dossier')).toEqual(changed.get('Nouveau dossier'));
    expect(await mapped(alice)).toEqual(withoutLarge(onlyMapped(changed)));
    expect(await snapshotMailbox(as(source, alice))).toEqual(changed);
  }, 60000);

  it('copies the 40 MB message once the limit is raised, and drops it from the skipped list', async () => {
    const summary = await syncMailbox(ctx(alice, {}, 50));
    expect(summary.copied).toBe(1);
    expect(summary.bytes).toBeGreaterThan(LARGE - 1024);
    const src = await snapshotMailbox(as(source, alice));
    expect((await mapped(alice)).get('INBOX')).toEqual(src.get('INBOX'));
    const skipped = await new MailState(
      { connectionString: storage().connectionString },
      `batch1:${alice}`,
    ).listSkipped();
    expect(skipped).toEqual([]);
  }, 90000);

  it('leaves no duplicate and no gap after a run interrupted between APPEND and the index write', async () => {
    const bob = 'bob@example.test';
    await seedMailbox(as(source, bob), testCorpus());
    const src = await snapshotMailbox(as(source, bob));
    let crash = true;
    const hooks = {
      afterAppend: (n: number) => {
        if (crash && n >= 5) throw new Error('simulated crash');
      },
    };
    await expect(syncMailbox(ctx(bob, { hooks }))).rejects.toThrow('simulated crash');
    crash = false;
    const summary = await syncMailbox(ctx(bob));
    expect(summary.reused).toBeGreaterThanOrEqual(1);
    expect(await mapped(bob)).toEqual(onlyMapped(src));
    // And once more: still nothing new.
    expect((await syncMailbox(ctx(bob))).copied).toBe(0);
    expect(await mapped(bob)).toEqual(onlyMapped(src));
  }, 60000);

  it('re-syncs a folder whose UIDVALIDITY changed without appending anything twice', async () => {
    const bob = 'bob@example.test';
    const src = await snapshotMailbox(as(source, bob));
    source().doveadm('mailbox', 'update', '-u', bob, '--uid-validity', '12345', 'INBOX');
    const summary = await syncMailbox(ctx(bob));
    expect(summary.copied).toBe(0);
    expect(summary.reused).toBe(src.get('INBOX')!.length);
    expect(await mapped(bob)).toEqual(onlyMapped(src));
    // The new generation is indexed: the next run is a no-op again.
    expect((await syncMailbox(ctx(bob))).foldersVisited).toBe(0);
  }, 60000);

  it('resumes after its connections are dropped mid-run, with nothing lost or doubled', async () => {
    const carol = 'carol@example.test';
    await seedMailbox(as(source, carol), testCorpus());
    const src = await snapshotMailbox(as(source, carol));
    let kicked = false;
    const hooks = {
      afterAppend: () => {
        if (kicked) return;
        kicked = true;
        target().doveadm('kick', carol);
        source().doveadm('kick', carol);
      },
    };
    const summary = await syncMailbox(ctx(carol, { hooks }));
    expect(kicked).toBe(true);
    expect(summary.error).toBeUndefined();
    expect(await mapped(carol)).toEqual(onlyMapped(src));
  }, 60000);
});
