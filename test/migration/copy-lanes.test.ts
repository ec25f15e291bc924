import type { ChunkResult, MailContext } from '../../shared/mail';
import { copyQueuedFolders } from '../../shared/migration/copy-lanes';
import { plainMessage, seedMailbox, snapshotMailbox, type CorpusMessage } from '../../testing/mail/corpus';
import type { RunningDovecot } from '../../testing/mail/dovecot';
import { imapAs } from '../../testing/jest/app';
import { useAzurite } from '../../testing/jest/azurite';
import { useDovecot } from '../../testing/jest/dovecot';

/**
 * The app path's copy call (copyMailboxChunk's copying part) between two real Dovecots with the
 * state in Azurite: several folders of one mailbox at once, a call that ends on its time budget
 * and the next that resumes without a duplicate, and an unchanged mailbox that costs the plan only.
 */
const source = useDovecot();
const target = useDovecot();
const storage = useAzurite();

const FOLDERS = ['INBOX', 'Alpha', 'Beta', 'Gamma'];

const endpoint = (d: RunningDovecot) => ({
  host: d.host,
  port: d.port,
  security: 'none' as const,
  admin: { user: 'admin', loginFormat: '{user}*{admin}' },
});

function context(user: string, hooks?: MailContext['hooks']): MailContext {
  return {
    mailboxKey: `lanes:${user}`,
    source: { endpoint: endpoint(source()), login: { email: user, password: 'adminpw' } },
    target: { endpoint: endpoint(target()), login: { email: user, password: 'adminpw' } },
    storage: { connectionString: storage().connectionString },
    ...(hooks ? { hooks } : {}),
  };
}

function corpus(perFolder: number): CorpusMessage[] {
  return FOLDERS.flatMap((folder, f) =>
    Array.from({ length: perFolder }, (_, i) => ({
      folder,
      content: plainMessage({ subject: `${folder} ${i}`, seed: f * 1000 + i }),
      flags: i % 2 ? ['\\Seen'] : [],
      internalDate: new Date(Date.UTC(2024, 0, 1 + i)),
    })),
  );
}

const USERS = ['lanes@example.test', 'budget@example.test', 'unchanged@example.test'];
// All users at once: Dovecot re-reads its user file when the file's mtime moves on, which a user
// added a moment after another may not see yet.
beforeAll(() => {
  for (const user of USERS) {
    source().addUser(user, 'pw');
    target().addUser(user, 'pw');
  }
});

async function seeded(user: string, perFolder: number): Promise<void> {
  await seedMailbox({ host: source().host, port: source().port, user, password: 'pw' }, corpus(perFolder));
}

const snapshot = (d: RunningDovecot, user: string) =>
  snapshotMailbox({ host: d.host, port: d.port, user, password: 'pw' });

test('two folders copy at once, each on its own connections, and the mailbox ends identical', async () => {
  const user = 'lanes@example.test';
  await seeded(user, 3);
  // The first APPEND waits until an APPEND of another lane has happened: copied one folder after
  // another, that never comes and the wait gives up after 10 s.
  let appends = 0;
  let release: () => void = () => undefined;
  const other = new Promise<boolean>((resolve) => {
    release = () => resolve(true);
    setTimeout(() => resolve(false), 10_000).unref();
  });
  let overlapped: boolean | undefined;
  const hooks = {
    async afterAppend(): Promise<void> {
      appends++;
      if (appends === 1) overlapped = await other;
      else release();
    },
  };
  const chunks: ChunkResult[] = [];
  const run = await copyQueuedFolders(context(user, hooks), {
    plan: true,
    lanes: 2,
    deadline: Date.now() + 60_000,
    onChunk: (r) => void chunks.push(r),
  });
  expect(overlapped).toBe(true);
  expect(run).toMatchObject({ done: true, copied: 12, skipped: 0 });
  expect(chunks.map((c) => c.folder).sort()).toEqual([...FOLDERS].sort());
  // The last progress report covers the whole mailbox, whichever lane wrote it.
  expect(chunks[chunks.length - 1]?.mailboxStats.itemsSynced).toBe(12);
  expect(await snapshot(target(), user)).toEqual(await snapshot(source(), user));
});

test('a call whose time is spent stops between chunks; the next resumes and nothing is copied twice', async () => {
  const user = 'budget@example.test';
  await seeded(user, 2);
  const first = await copyQueuedFolders(context(user), {
    plan: true,
    lanes: 2,
    deadline: 0,
    onChunk: () => undefined,
  });
  // One chunk per lane: two of the four folders, and the call says the mailbox is not done.
  expect(first).toMatchObject({ done: false, copied: 4 });
  let calls = 1;
  let copied = first.copied;
  for (let done = first.done; !done; calls++) {
    const next = await copyQueuedFolders(context(user), {
      plan: false,
      lanes: 2,
      deadline: 0,
      onChunk: () => undefined,
    });
    copied += next.copied;
    done = next.done;
  }
  expect(calls).toBe(2);
  expect(copied).toBe(8);
  expect(await snapshot(target(), user)).toEqual(await snapshot(source(), user));
});

test('an unchanged mailbox costs the plan only: no chunk, nothing copied', async () => {
  const user = 'unchanged@example.test';
  await seeded(user, 1);
  const options = { lanes: 2, deadline: Date.now() + 60_000 };
  await copyQueuedFolders(context(user), { ...options, plan: true, onChunk: () => undefined });
  const chunks: ChunkResult[] = [];
  const again = await copyQueuedFolders(context(user), {
    ...options,
    plan: true,
    onChunk: (r) => void chunks.push(r),
  });
  expect(again).toEqual({ done: true, copied: 0, skipped: 0, bytes: 0 });
  expect(chunks).toEqual([]);
  // A new message in one folder: that folder alone is copied.
  const client = await imapAs(source(), user);
  await client.append('Beta', plainMessage({ subject: 'late', seed: 99 }));
  await client.logout();
  const late = await copyQueuedFolders(context(user), {
    ...options,
    plan: true,
    onChunk: (r) => void chunks.push(r),
  });
  expect(late).toMatchObject({ done: true, copied: 1 });
  expect(chunks.map((c) => c.folder)).toEqual(['Beta']);
});
