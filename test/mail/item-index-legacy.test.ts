import { TableClient } from '@azure/data-tables';
import { ImapFlow } from 'imapflow';
import { useAzurite } from '../../testing/jest/azurite';
import { SOURCE_SPECIAL_USE, TARGET_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { MAIL_TABLES, MailState, planMailbox, syncMailbox, type MailContext } from '../../shared/mail';
import {
  CORPUS_FOLDER_MAP,
  plainMessage,
  seedMailbox,
  snapshotMailbox,
  testCorpus,
  type SnapshotItem,
} from '../../testing/mail/corpus';

/**
 * A mailbox whose folders an older version planned with a row per UID (item index layout 1) keeps
 * syncing after the packed layout came: its folders keep their layout and rows, a run cut short
 * between APPEND and the index write (the fingerprint look-up) and a UIDVALIDITY change (the old
 * generation's reuse) append nothing twice, new mail and flag changes arrive, and a folder new to
 * the mailbox gets packed pages. Between two real Dovecots, state in a real Azurite.
 */
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const target = useDovecot({ specialUse: TARGET_SPECIAL_USE });
const storage = useAzurite();
const USER = 'dora@example.test';

const endpoint = (d: () => { host: string; port: number }) => ({
  host: d().host,
  port: d().port,
  security: 'none' as const,
  admin: { user: 'admin', loginFormat: '{user}*{admin}' },
});
const ctx = (extra: Partial<MailContext> = {}): MailContext => ({
  mailboxKey: `legacy:${USER}`,
  source: { endpoint: endpoint(source), login: { email: USER, password: 'adminpw' } },
  target: { endpoint: endpoint(target), login: { email: USER, password: 'adminpw' } },
  storage: { connectionString: storage().connectionString },
  ...extra,
});
const as = (d: () => { host: string; port: number }) => ({
  host: d().host,
  port: d().port,
  user: USER,
  password: 'pw',
});
const state = () => new MailState({ connectionString: storage().connectionString }, `legacy:${USER}`);

/** The target, keyed by source folder (the corpus's mapping, plus folders of the same name). */
async function mapped(folders: string[]): Promise<Map<string, SnapshotItem[]>> {
  const snap = await snapshotMailbox(as(target));
  return new Map(folders.map((f) => [f, snap.get(CORPUS_FOLDER_MAP[f] ?? f) ?? []]));
}
async function sourceSnapshot(): Promise<Map<string, SnapshotItem[]>> {
  const snap = await snapshotMailbox(as(source));
  return new Map([...snap].filter(([f]) => f in CORPUS_FOLDER_MAP || f === 'Later'));
}

/** The raw index entities of the mailbox: one per UID (row layouts) or per page (packed). */
async function indexEntities(): Promise<Array<Record<string, unknown>>> {
  const table = TableClient.fromConnectionString(storage().connectionString, MAIL_TABLES.items, {
    allowInsecureConnection: true,
  });
  const out: Array<Record<string, unknown>> = [];
  const filter = `PartitionKey ge 'legacy:${USER}|' and PartitionKey lt 'legacy:${USER}}'`;
  for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
    out.push(e);
  return out;
}

async function onSource<T>(run: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({ ...as(source), secure: false, logger: false, auth: { user: USER, pass: 'pw' } });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.logout().catch(() => undefined);
  }
}

beforeAll(async () => {
  for (const d of [source(), target()]) d.addUser(USER, 'pw');
  await seedMailbox(as(source), testCorpus());
}, 60000);

it('keeps a folder planned with a row per UID on its layout: no duplicate after a crash, a UIDVALIDITY change or new mail', async () => {
  // What an older version left: folders planned with layout 1.
  await planMailbox(ctx());
  const s = state();
  const folders = await s.listFolders();
  for (const st of folders.values()) await s.putFolder({ ...st, indexLayout: 1 });

  // Cut short after a few APPENDs, before their index rows: the next run finds them by fingerprint.
  let crash = true;
  const hooks = {
    afterAppend: (n: number) => {
      if (crash && n >= 5) throw new Error('simulated crash');
    },
  };
  await expect(syncMailbox(ctx({ hooks }))).rejects.toThrow('simulated crash');
  crash = false;
  const first = await syncMailbox(ctx());
  expect(first.reused).toBeGreaterThanOrEqual(1);
  let src = await sourceSnapshot();
  expect(await mapped([...src.keys()])).toEqual(src);

  // Still a row per UID: every index entity is one message's row.
  const rows = await indexEntities();
  const copied = [...src.values()].reduce((n, l) => n + l.length, 0);
  expect(rows.length).toBe(copied);
  expect(rows.every((e) => e.s === 'd' && typeof e.fp === 'string')).toBe(true);
  for (const st of (await s.listFolders()).values()) expect(st.indexLayout).toBe(1);

  // New mail, a flag change on a copied message, a new folder; then a UIDVALIDITY change.
  await onSource(async (c) => {
    await c.append('INBOX', plainMessage({ id: '<new1@legacy>', subject: 'new one' }), ['\\Seen']);
    await c.append('INBOX', plainMessage({ id: '<new2@legacy>', subject: 'new two', seed: 2 }));
    await c.mailboxOpen('INBOX');
    await c.messageFlagsAdd('1', ['\\Flagged'], { uid: false });
    await c.mailboxCreate('Later');
    await c.append('Later', plainMessage({ id: '<later@legacy>', subject: 'later' }));
  });
  const second = await syncMailbox(ctx());
  expect(second.copied).toBe(3);
  src = await sourceSnapshot();
  expect(await mapped([...src.keys()])).toEqual(src);

  const after = await s.listFolders();
  expect(after.get('INBOX')?.indexLayout).toBe(1);
  // A folder new to the mailbox is planned packed: one entity holds its row.
  expect(after.get('Later')?.indexLayout).toBe(2);
  const laterRows = (await indexEntities()).filter((e) =>
    String(e.partitionKey).includes(`|${after.get('Later')?.fid}|`),
  );
  expect(laterRows).toHaveLength(1);
  expect(Object.keys(laterRows[0]!).filter((k) => /^u\d+$/.test(k))).toEqual(['u1']);

  source().doveadm('mailbox', 'update', '-u', USER, '--uid-validity', '777', 'INBOX');
  const third = await syncMailbox(ctx());
  expect(third.copied).toBe(0);
  expect(third.reused).toBe(src.get('INBOX')!.length);
  expect(await mapped([...src.keys()])).toEqual(src);
  expect((await syncMailbox(ctx())).foldersVisited).toBe(0);
}, 120000);
