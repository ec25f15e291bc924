import { imapAs } from '../../testing/jest/app';
import { useBrowserPage } from '../../testing/jest/browser';
import { useMigrationApp } from '../../testing/jest/migration-app';

/**
 * The dashboard's pass options and dry run in real Chromium: the create form takes a date window,
 * a folder mapping and mirroring deletions (only after a confirmation dialog); the batch page plans
 * the pass (a table per folder: where it lands, counts, what is left out) without writing to the
 * target, and the window is dropped for the final pass. Screenshots at 1280 and 390 px go to
 * test-output/.
 */
const KEY = 'plan-web-key-000001';
const USER = 'gina@example.com';
const old = new Date(Date.now() - 400 * 86_400_000);
const app = useMigrationApp({
  apiKey: KEY,
  users: [USER],
  seed: async (source) => {
    const c = await imapAs(source, USER);
    const msg = (s: string, body = s): string => `From: a@example.org\r\nSubject: ${s}\r\n\r\n${body}\r\n`;
    await c.append('INBOX', msg('old-1'), [], old);
    await c.append('INBOX', msg('old-2'), [], old);
    await c.append('INBOX', msg('new-1'), []);
    await c.append('INBOX', msg('old-big', 'y'.repeat(1_200_000)), [], old);
    await c.mailboxCreate('INBOX/Old');
    await c.append('INBOX/Old', msg('older'), [], old);
    await c.logout();
  },
  endpoints: { targetSettings: { maxMessageSizeMB: 1 } },
});
const browser = useBrowserPage();
const shoot = (name: string) => browser.shoot(name, [1280, 390]);
const button = (name: string) => browser.page().getByRole('button', { name, exact: true });

async function targetSnapshot(): Promise<string> {
  const c = await imapAs(app.target(), USER);
  try {
    const list = await c.list({ statusQuery: { messages: true, uidNext: true } });
    return JSON.stringify(list.map((f) => [f.path, f.status?.messages, f.status?.uidNext]).sort());
  } finally {
    await c.logout();
  }
}

test('a batch is created with a window, a mapping and confirmed mirroring, planned without touching the target, and its window dropped', async () => {
  const page = browser.page();
  const untouched = await targetSnapshot();
  await page.goto(`${app.host().url}/`);
  await page.getByLabel('API key').fill(KEY);
  await button('Open dashboard').click();
  await page.getByText('No batches yet').waitFor();

  await page.getByLabel('CSV file').setInputFiles({
    name: 'prestage.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('EmailAddress\r\ngina@example.com\r\n'),
  });
  await page.getByLabel('Start at once').uncheck();
  await page.getByLabel('Only mail received before (optional)').fill('90d');
  await page.getByLabel('Folder mapping (optional)').fill('INBOX/Old -> Archive/Old');

  // Mirroring deletions is turned on only through the confirmation dialog.
  const mirror = page.getByRole('checkbox', { name: /Mirror deletions/ });
  await mirror.click();
  const dialog = page.getByRole('dialog', { name: 'Mirror deletions?' });
  await dialog.waitFor();
  await shoot('plan-mirror-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  expect(await mirror.isChecked()).toBe(false);
  await mirror.click();
  await dialog.getByRole('button', { name: 'Turn on mirroring' }).click();
  expect(await mirror.isChecked()).toBe(true);
  await shoot('plan-create-form');
  await button('Upload').click();

  await page.getByRole('heading', { name: 'Batch prestage Created' }).waitFor();
  const section = page.getByRole('region', { name: 'Next pass: options and plan' });
  /** The plan table's row whose text (cells separated by whitespace) matches. */
  const planRow = async (re: RegExp): Promise<string> =>
    (await section.getByRole('row').allInnerTexts()).find((r) => re.test(r)) ?? '(no such row)';
  expect(await section.getByLabel('Only mail received before (optional)').inputValue()).toBe('90d');
  expect(await section.getByLabel('Folder mapping (optional)').inputValue()).toBe('INBOX/Old -> Archive/Old');
  expect(await section.getByRole('checkbox', { name: /Mirror deletions/ }).isChecked()).toBe(true);

  await section.getByRole('button', { name: 'Plan', exact: true }).click();
  await section
    .getByText('Planned 1 mailbox(es); nothing was written to the target.')
    .waitFor({ timeout: 30000 });
  // INBOX: 4 messages, 2 to copy, 1 too large, 1 too recent; INBOX/Old lands where the map says.
  const inbox = await planRow(/INBOX\s+INBOX\s/);
  expect(inbox).toMatch(/gina@example\.com\s+INBOX\s+INBOX\s+4\s+\S+ \S+\s+2\s+\S+ \S+\s+1\s+1/);
  const mapped = await planRow(/Archive\/Old/);
  expect(mapped).toMatch(/INBOX\/Old\s+Archive\/Old\s+1\s/);
  expect(await section.innerText()).toMatch(/Mirror deletions: on/);
  expect(await section.innerText()).not.toMatch(/undefined|NaN/);
  expect(await section.innerText()).toMatch(/INBOX\/Old → Archive\/Old \(folder map of the batch\)/);
  await shoot('plan-table');

  // Opened again later, the page shows the last plan without planning again.
  await page.reload();
  await section.getByText(/^Last plan \(.*\): Planned 1 mailbox\(es\)/).waitFor();
  expect(await planRow(/Archive\/Old/)).toMatch(/INBOX\/Old\s+Archive\/Old\s+1\s/);
  expect(await targetSnapshot()).toBe(untouched);

  // A bad window is refused with its code and field; nothing changes.
  await section.getByLabel('Only mail received before (optional)').fill('90 days');
  await section.getByRole('button', { name: 'Save options' }).click();
  await section.getByText(/BATCH_INVALID: options\.before/).waitFor();

  // The final pass: the window dropped, the plan now counts the recent mail too.
  await section.getByLabel('Only mail received before (optional)').fill('');
  await section.getByRole('button', { name: 'Save options' }).click();
  await section.getByText('Options saved: they apply from the next pass.').waitFor();
  await section.getByRole('button', { name: 'Plan', exact: true }).click();
  await section.getByText(/Date window: all mail/).waitFor({ timeout: 30000 });
  const after = await planRow(/INBOX\s+INBOX\s/);
  expect(after).toMatch(/INBOX\s+INBOX\s+4\s+\S+ \S+\s+3\s+\S+ \S+\s+1\s+0/);
  expect(await targetSnapshot()).toBe(untouched);
}, 120000);
