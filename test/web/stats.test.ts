import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, useBrowserPage } from '../../testing/jest/browser';
import type { Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, imapAs, startApp } from '../../testing/jest/app';
import { startSlowRelay, type SlowRelay } from '../../testing/faults/slow-relay';

/**
 * Live statistics and per-folder reconciliation on the dashboard, in real Chromium: while a batch
 * copies between two real Dovecots its mailbox rows show a bar, the percentage and the time left;
 * an opened mailbox shows what it copies now and, per folder, source against target with a
 * verdict; a message deleted on the target behind mailferry's back shows as "missing 1".
 * Screenshots at 1280 and 390 px go to test-output/.
 */
const KEY = 'stats-web-test-key-000001';
const USERS = ['dana@example.com', 'eli@example.com'];
const FOLDERS = ['INBOX', 'Projects', 'Archive', 'Travel', 'Receipts', 'Family'];
const PER_FOLDER = 40;
const SYNC_WAIT_MS = 90000;

let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;
// The target behind a slow link (600 KB/s): each mailbox's 4.8 MB take seconds, long enough for
// the page's 2 s refresh to show it copying.
let slowLink: SlowRelay;
let page: Page;
const api = apiFor(() => host, KEY);

const browser = useBrowserPage();

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  const filler = 'z'.repeat(20_000);
  for (const user of USERS) {
    source.addUser(user, 'x');
    target.addUser(user, 'x');
  }
  for (const user of USERS) {
    const c = await imapAs(source, user);
    for (const folder of FOLDERS) {
      if (folder !== 'INBOX')
        await c.mailboxCreate(folder).catch((e: { responseText?: string }) => {
          throw new Error(`CREATE ${folder} for ${user}: ${e.responseText}`);
        });
      for (let i = 0; i < PER_FOLDER; i++) {
        await c.append(
          folder,
          `From: a@example.org\r\nSubject: ${folder} ${i}\r\nMessage-ID: <${folder}${i}@w>\r\n\r\n${filler}\r\n`,
        );
      }
    }
    await c.logout();
  }
  host = await startApp(KEY);
  // One mailbox at a time: the second waits while the first is watched copying.
  slowLink = await startSlowRelay(target.port, 600_000);
  await addImapEndpoints(
    api,
    { source, target: { ...target, port: slowLink.port } },
    { maxConcurrentMigrations: 1 },
  );
  page = browser.page();
}, 120000);

afterAll(async () => {
  await host?.stop();
  await slowLink?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

const rowOf = (text: string) => page.getByRole('row').filter({ hasText: text });

test('the batch page shows live progress per mailbox, and the mailbox view reconciles its folders', async () => {
  await page.goto(`${host.url}/`);
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Open dashboard', exact: true }).click();
  const created = await api(
    'POST',
    'batches?name=live&autoStart=true',
    ['EmailAddress', ...USERS].join('\r\n'),
  );
  expect(created.status).toBe(201);
  const id = created.json.batch.id as string;
  await page.goto(`${host.url}/#/batches/${encodeURIComponent(id)}`);

  // While the first mailbox copies: its row has a bar, a percentage short of 100 and the time left.
  const live = rowOf(USERS[0] ?? '').getByText(/^\d+% · (about .+|—) left$/);
  await live.waitFor({ timeout: SYNC_WAIT_MS });
  const pct = Number(/^(\d+)%/.exec(await live.innerText())?.[1]);
  expect(pct).toBeLessThan(100);
  expect(
    await rowOf(USERS[0] ?? '')
      .getByRole('progressbar', { name: `Progress of ${USERS[0]}` })
      .count(),
  ).toBe(1);
  await page.getByRole('button', { name: USERS[0] }).click();
  const details = page.getByRole('region', { name: USERS[0] });
  await details.waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'stats-live-1280.png'), fullPage: true });

  await page.getByRole('heading', { name: 'Batch live Synced' }).waitFor({ timeout: SYNC_WAIT_MS });
  // Synced: no live bar any more; the folders, counted on both servers, all agree.
  expect(
    await rowOf(USERS[0] ?? '')
      .getByRole('progressbar')
      .count(),
  ).toBe(0);
  const folders = details.getByRole('table', { name: `Folders of ${USERS[0]}, source against target` });
  await folders.getByRole('row').filter({ hasText: 'Travel' }).waitFor();
  for (const folder of FOLDERS) {
    expect(await folders.getByRole('row').filter({ hasText: folder }).first().innerText()).toMatch(
      new RegExp(`${PER_FOLDER}[\\s\\S]*${PER_FOLDER}[\\s\\S]*\\bok\\b`),
    );
  }
  expect(await details.innerText()).toMatch(/By kind\s+mail 240 \(4\.\d MB\), contacts 0, events 0/);

  // Deleted on the target behind mailferry's back, then counted again: missing 1.
  target.doveadm('expunge', '-u', USERS[0] ?? '', 'mailbox', 'Travel', 'uid', '7');
  await details.getByRole('button', { name: 'Count again' }).click();
  const travel = folders.getByRole('row').filter({ hasText: 'Travel' });
  await travel.getByText('missing 1').waitFor();
  expect(await travel.innerText()).toMatch(new RegExp(`${PER_FOLDER}[\\s\\S]*${PER_FOLDER - 1}`));
  await page.screenshot({ path: path.join(SCREENSHOTS, 'stats-folders-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await travel.scrollIntoViewIfNeeded();
  expect(await travel.getByText('missing 1').isVisible()).toBe(true);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'stats-folders-390.png'), fullPage: true });
}, 240000);
