import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, batchReaching, imapAs, startApp } from '../../testing/jest/app';
import { cleanEnv, root } from '../../testing/jest/cli';
import { progressView } from '../../cli/progress';
import type { Batch, Mailbox } from '../../shared/state';
import { nextProgress } from '../../shared/state/mailbox-progress';

/**
 * `mailferry watch` in a real terminal (tmux): a batch copies between two real Dovecots while the
 * built CLI draws its bars; the pane, captured as a person would see it, shows a bar per mailbox
 * with its address, a percentage, the time left and the folder, and ends with every mailbox at 100 %.
 */
const KEY = 'watch-test-key-000000001';
const USERS = ['ann@example.com', 'ben@example.com'];
const FOLDERS = ['INBOX', 'Projects', 'Archive', 'Travel', 'Receipts', 'Family'];
const PER_FOLDER = 40;
const SOCKET = `mf-watch-${process.pid}`;
let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;
const api = apiFor(() => host, KEY);

const tmux = (...args: string[]): string =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: cleanEnv(), stdio: 'pipe' });

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  const filler = 'x'.repeat(20_000);
  // Every user first: a login while the passwd file is being rewritten can be refused.
  for (const user of USERS) {
    source.addUser(user, 'x');
    target.addUser(user, 'x');
  }
  for (const user of USERS) {
    const c = await imapAs(source, user);
    for (const folder of FOLDERS) {
      if (folder !== 'INBOX') await c.mailboxCreate(folder);
      for (let i = 0; i < PER_FOLDER; i++) {
        await c.append(
          folder,
          `From: a@example.org\r\nSubject: ${folder} ${i}\r\nMessage-ID: <${folder}${i}@x>\r\n\r\n${filler}\r\n`,
        );
      }
    }
    await c.logout();
  }
  host = await startApp(KEY);
  // One mailbox at a time, so the first is watched while it copies and the second while it waits.
  await addImapEndpoints(api, { source, target }, { maxConcurrentMigrations: 1 });
}, 120000);

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
  await host?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

test('watch draws a bar per mailbox with name, percentage and time left, and ends at 100 %', async () => {
  const created = await api(
    'POST',
    'batches?name=watched&autoStart=true',
    ['EmailAddress', ...USERS].join('\r\n'),
  );
  expect(created.status).toBe(201);
  const id = created.json.batch.id as string;
  const cli = `${process.execPath} ${path.join(root, 'dist', 'cli', 'main.js')}`;
  tmux(
    'new-session',
    '-d',
    '-s',
    'watch',
    '-x',
    '200',
    '-y',
    '30',
    `${cli} --url ${host.url} --key ${KEY} watch ${id} --interval 100; echo "exit=$?"; sleep 120`,
  );
  const panes: string[] = [];
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const pane = tmux('capture-pane', '-p', '-t', 'watch');
    panes.push(pane);
    if (/exit=\d/.test(pane)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const last = panes[panes.length - 1] ?? '';
  expect(last).toMatch(/exit=0/);
  await batchReaching(api, id, ['Synced']);

  // While copying: a bar with the address, a percentage short of 100, the time left and a folder.
  const during = panes
    .flatMap((p) => p.split('\n'))
    .filter((l) => /^ann@example\.com \|.*\| +\d+% \| ETA /.test(l))
    .map((l) => Number(/\| +(\d+)% \|/.exec(l)?.[1]));
  expect(during.some((pct) => pct > 0 && pct < 100)).toBe(true);
  expect(panes.join('\n')).toMatch(
    /ETA \d+(s|m \d+s) \| \d+ items\/min, .*\/min \| (INBOX|Projects|Archive|Travel|Receipts|Family)/,
  );

  // At the end: every mailbox's bar full, with what it copied; the total says 2/2.
  for (const user of USERS) {
    expect(last).toMatch(
      new RegExp(
        `^${user.replace('.', '\\.')} \\|█+\\| 100% \\| Synced: ${FOLDERS.length * PER_FOLDER} items`,
        'm',
      ),
    );
  }
  expect(last).toMatch(/^watched \|█+\| 2\/2 \| Synced/m);
}, 150000);

test('in a log (no terminal) a copying mailbox says how far it is at each quarter, once each', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (t: string) => lines.push(t) } as unknown as NodeJS.WriteStream;
  const view = progressView(stream);
  const batch = { name: 'logged', status: 'Syncing' } as Batch;
  const started = new Date(Date.now() - 60_000).toISOString();
  const at = (itemsSynced: number, status = 'Syncing'): Mailbox =>
    ({
      email: 'gus@example.com',
      status,
      itemsSynced,
      itemsSkipped: 0,
      bytesSynced: itemsSynced * 1000,
      syncStartedAt: started,
      progress: nextProgress(undefined, {
        folder: 'INBOX',
        finished: itemsSynced === 100,
        sourceItems: 100,
        itemsSynced,
        itemsSkipped: 0,
        itemsFailed: 0,
        bytesSynced: itemsSynced * 1000,
        itemsPerSecond: 10,
        bytesPerSecond: 10_000,
      }),
    }) as Mailbox;
  for (const n of [10, 30, 35, 60, 99, 100]) view.update(batch, [at(n)]);
  view.update({ ...batch, status: 'Synced' }, [at(100, 'Synced')]);
  const progress = lines.filter((l) => /^gus@example\.com: \d+%/.test(l));
  expect(progress).toEqual([
    expect.stringMatching(/^gus@example\.com: 30% \(ETA 7s \| 600 items\/min, .*\| INBOX\)/),
    expect.stringMatching(/^gus@example\.com: 60% /),
    expect.stringMatching(/^gus@example\.com: 99% /),
  ]);
  expect(lines.join('')).toMatch(/gus@example\.com: Synced \(100 items, 0 skipped/);
});
