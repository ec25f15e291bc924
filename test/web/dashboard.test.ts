import path from 'node:path';
import type { Page } from 'playwright-core';
import { imapAs } from '../../testing/jest/app';
import { SCREENSHOTS, useBrowserPage } from '../../testing/jest/browser';
import { useMigrationApp } from '../../testing/jest/migration-app';

/**
 * The dashboard end to end, as an administrator uses it in a browser: key, CSV upload, a batch
 * watched until it has synced (one mailbox failing, shown with its error), a mailbox opened, its
 * reports opened (statistics as a table, the mail body in a sandboxed frame), the batch completed
 * and removed; a bad CSV shows its problems per row; an endpoint is tested.
 * Screenshots at 1280 and 390 px go to test-output/.
 */
const KEY = 'dashboard-test-key-000001';
// Long enough for a batch to sync on a busy 2-core CI machine; the page polls every 2 s.
const SYNC_WAIT_MS = 60000;

const app = useMigrationApp({
  apiKey: KEY,
  users: ['alice@example.com', 'bob@example.com'],
  // carol has no mailbox on the target: her migration fails and the dashboard must say why.
  sourceOnlyUsers: ['carol@example.com'],
  seed: async (source) => {
    const alice = await imapAs(source, 'alice@example.com');
    for (let i = 1; i <= 3; i++)
      await alice.append(
        'INBOX',
        `From: a@example.org\r\nSubject: hello ${i}\r\nMessage-ID: <d${i}@x>\r\n\r\nbody\r\n`,
      );
    // Over the target's 1 MB limit: skipped, and the dashboard lists it with the reason.
    await alice.append(
      'INBOX',
      `From: a@example.org\r\nSubject: the big one\r\nMessage-ID: <dbig@x>\r\n\r\n${'y'.repeat(1_200_000)}\r\n`,
    );
    await alice.logout();
  },
  endpoints: { targetSettings: { maxMessageSizeMB: 1 } },
});
const browser = useBrowserPage();
let page: Page;
beforeAll(() => {
  page = browser.page();
});
const host = () => app.host();

const button = (name: string) => page.getByRole('button', { name, exact: true });
const rowOf = (text: string) => page.getByRole('row').filter({ hasText: text });

async function upload(name: string, csv: string): Promise<void> {
  await page.getByLabel('CSV file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await button('Upload').click();
}

test('an administrator signs in, uploads a CSV, watches the batch sync, opens a mailbox, completes and removes it', async () => {
  await page.goto(`${host().url}/`);
  expect(new URL(page.url()).pathname).toBe('/');

  await page.getByLabel('API key').fill('wrong-key');
  await button('Open dashboard').click();
  await page.getByText('That key was refused.').waitFor();
  await page.getByLabel('API key').fill(KEY);
  await button('Open dashboard').click();
  await page.getByText('No batches yet').waitFor();

  await upload('wave1.csv', 'EmailAddress\r\nalice@example.com\r\nbob@example.com\r\ncarol@example.com\r\n');
  await page
    .getByRole('heading', { name: 'Batch wave1 SyncedWithErrors' })
    .waitFor({ timeout: SYNC_WAIT_MS });

  expect(await rowOf('alice@example.com').innerText()).toMatch(/Synced\s+3\s+1\b/); // 3 copied, 1 skipped
  expect(await rowOf('bob@example.com').innerText()).toMatch(/Synced\s+0\b/);
  const carol = await rowOf('carol@example.com').innerText();
  expect(carol).toContain('Failed');
  expect(carol).toContain('carol@example.com');
  expect(await page.getByText('3 of 3 done, 1 failed').isVisible()).toBe(true);
  // Failed mailboxes can be retried; the synced batch can be completed.
  expect(await button('Retry failed').isEnabled()).toBe(true);
  expect(await button('Complete').isEnabled()).toBe(true);

  await page.getByRole('button', { name: 'carol@example.com' }).click();
  const carolDetails = page.getByRole('region', { name: 'carol@example.com' });
  await carolDetails.waitFor();
  // Code, what happened and what to do, in one line.
  expect(await carolDetails.innerText()).toMatch(
    /Error\s+MAIL_AUTH_FAILED: target: login refused for carol@example\.com.*What to do: Check the user name/,
  );
  await page.getByRole('button', { name: 'alice@example.com' }).click();
  const aliceDetails = page.getByRole('region', { name: 'alice@example.com' });
  await aliceDetails.waitFor();
  expect(await carolDetails.count()).toBe(0); // one mailbox open at a time
  expect(await aliceDetails.innerText()).toMatch(/Items skipped\s+1\b/);
  const skipped = aliceDetails.getByRole('table', { name: 'Skipped items of this mailbox' });
  expect(await skipped.getByRole('row').filter({ hasText: 'the big one' }).innerText()).toMatch(
    /INBOX[\s\S]*tooLarge[\s\S]*MB/,
  );
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-batch-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-batch-390.png'), fullPage: true });
  // At phone width the page itself never scrolls sideways (wide tables scroll in their own box).
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 900 });

  // The batch's reports are listed on its page and open there: statistics as a table, the mail in a frame.
  const reports = page.getByRole('table', { name: 'Report files of this batch' });
  await reports.getByRole('link', { name: 'final · statistics.csv' }).waitFor({ timeout: SYNC_WAIT_MS });
  expect(await reports.getByRole('link').allInnerTexts()).toEqual(
    expect.arrayContaining(['status · report.html', 'final · report.html', 'final · errors.csv']),
  );
  await reports.getByRole('link', { name: 'final · statistics.csv' }).click();
  const statistics = page.getByRole('table', { name: 'statistics.csv' });
  await statistics.waitFor();
  expect(await statistics.getByRole('row').filter({ hasText: 'alice@example.com' }).innerText()).toMatch(
    /Synced/,
  );
  expect(await statistics.getByRole('row').filter({ hasText: 'carol@example.com' }).innerText()).toMatch(
    /Failed/,
  );
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-report-csv-1280.png'), fullPage: true });
  await page.getByRole('link', { name: '← The batch' }).click();
  await reports.getByRole('link', { name: 'final · report.html' }).click();
  const frame = page.frameLocator('iframe[title="Report report.html"]');
  await frame
    .getByText(/initial sync done/i)
    .first()
    .waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-report-html-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('link', { name: '← The batch' }).click();
  await page.getByRole('heading', { name: 'Batch wave1 SyncedWithErrors' }).waitFor();

  await button('Complete').click();
  await page
    .getByRole('heading', { name: 'Batch wave1 CompletedWithErrors' })
    .waitFor({ timeout: SYNC_WAIT_MS });
  expect(await rowOf('alice@example.com').innerText()).toContain('Completed');
  // Completed with errors: only finishing the failed mailboxes again, or removing, is possible.
  for (const name of ['Start', 'Stop', 'Sync now']) expect(await button(name).isDisabled()).toBe(true);
  expect(await button('Complete').isEnabled()).toBe(true);

  page.once('dialog', (dialog) => void dialog.accept());
  await button('Remove').click();
  await page.getByText('No batches yet').waitFor();
}, 150000);

test('a CSV with problems shows each one with its row and column', async () => {
  await page.getByRole('link', { name: 'Batches', exact: true }).click();
  await upload('broken.csv', 'EmailAddress,Password\r\nnot-an-address,Xq7zKp\r\n');
  const problems = page.getByRole('table', { name: '2 problem(s) in the CSV' });
  await problems.waitFor();
  const rows = await problems.getByRole('row').allInnerTexts();
  expect(rows.filter((r) => /^2\s+EmailAddress/.test(r))).toHaveLength(1);
  expect(rows.filter((r) => /^2\s+Password/.test(r))).toHaveLength(1);
  expect(rows.join('\n')).not.toContain('Xq7zKp'); // the password is never echoed
  // The refused upload is listed as a Failed batch.
  expect(await rowOf('broken').innerText()).toContain('Failed');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-list-1280.png'), fullPage: true });
});

test('the endpoints page tests a connection', async () => {
  await page.getByRole('link', { name: 'Endpoints' }).click();
  await page.getByLabel(/Mailbox to test with/).fill('alice@example.com');
  await page.getByRole('button', { name: 'Test connection to source' }).click();
  await page.getByText(/Connected: logged in as alice@example\.com/).waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-endpoints-390.png'), fullPage: true });
});

test('endpoints are created, edited, tested and removed on the page; an admin proxy login asks for a mailbox', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('link', { name: 'Endpoints' }).click();
  await page.getByLabel(/Mailbox to test with/).fill('');
  await page.getByRole('button', { name: 'Test connection to source' }).click();
  await page
    .getByText(/source logs in as a mailbox through its admin: enter a mailbox to test with/)
    .waitFor();

  await button('New endpoint').click();
  const form = page.getByRole('form', { name: 'New endpoint' });
  await form.getByLabel('Name').fill('spare');
  await form.getByLabel('IMAP server').fill(app.source().host);
  await form.getByLabel(/^Port/).fill(String(app.source().port));
  await form.getByLabel('Security').selectOption('none');
  await form.getByLabel('Admin user (for proxy logins)').fill(app.source().admin.user);
  await form.getByLabel('Password', { exact: true }).fill(app.source().admin.password);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-endpoint-form-1280.png'), fullPage: true });
  await form.getByRole('button', { name: 'Create endpoint' }).click();
  await rowOf('spare').waitFor();
  expect(await rowOf('spare').innerText()).toMatch(/spare\s+imap\s+127\.0\.0\.1:\d+\s+20/);

  await page.getByRole('button', { name: 'Edit spare' }).click();
  const edit = page.getByRole('form', { name: 'Edit endpoint spare' });
  expect(await edit.getByLabel(/^Password/).inputValue()).toBe(''); // write-only: never shown
  await edit.getByLabel('Mailboxes at once').fill('5');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-endpoint-edit-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await edit.waitFor({ state: 'detached' });
  for (let i = 0; i < 50 && !/\s5\s/.test(await rowOf('spare').innerText()); i++)
    await page.waitForTimeout(100);
  expect(await rowOf('spare').innerText()).toMatch(/spare\s+imap\s+\S+\s+5\s/);

  // The stored password still works: the edit left it alone.
  await page.getByLabel(/Mailbox to test with/).fill('alice@example.com');
  await page.getByRole('button', { name: 'Test connection to spare' }).click();
  await rowOf('spare')
    .getByText(/Connected: logged in as alice@example\.com/)
    .waitFor();

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Remove spare' }).click();
  await rowOf('spare').waitFor({ state: 'detached' });

  // A Microsoft 365 target: one app registration, its secret write-only, Exchange Online's IMAP by default.
  await button('New Microsoft 365 endpoint').click();
  const m365 = page.getByRole('form', { name: 'New Microsoft 365 endpoint' });
  await m365.getByLabel('Name').fill('cloud');
  await m365.getByLabel('Tenant').fill('contoso.onmicrosoft.com');
  await m365.getByLabel('Client id').fill('22222222-2222-2222-2222-222222222222');
  expect(await m365.getByLabel('Client secret').isVisible()).toBe(false); // certificate first
  await m365.getByLabel('Sign in with').selectOption('secret');
  await m365.getByLabel('Client secret').fill('a-client-secret-value');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-endpoint-m365-1280.png'), fullPage: true });
  await m365.getByRole('button', { name: 'Create endpoint' }).click();
  await rowOf('cloud').waitFor();
  expect(await rowOf('cloud').innerText()).toMatch(/cloud\s+microsoft365\s+outlook\.office365\.com/);
  const listed = await fetch(`${host().url}/api/endpoints`, { headers: { 'x-functions-key': KEY } });
  const cloud = (
    (await listed.json()) as { endpoints: Array<{ name: string; settings: object }> }
  ).endpoints.find((e) => e.name === 'cloud');
  expect(cloud?.settings).toMatchObject({ credential: 'secret', mailTransport: 'imap' });
  expect(JSON.stringify(cloud)).not.toContain('a-client-secret-value');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Remove cloud' }).click();
  await rowOf('cloud').waitFor({ state: 'detached' });
});

test('the dashboard serves its own files only, with their content types', async () => {
  const css = await fetch(`${host().url}/style.css`);
  expect(css.status).toBe(200);
  expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  const js = await fetch(`${host().url}/app.mjs`);
  expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  for (const outside of [
    '..%2fpackage.json',
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e%2ffunctions%2findex.ts',
    'README.md',
  ])
    expect((await fetch(`${host().url}/${outside}`)).status).toBe(404);
});
