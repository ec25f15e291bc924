/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely; assertions check their shape */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, useBrowserPage } from '../../testing/jest/browser';
import type { Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { startSlapd, type RunningSlapd } from '../../testing/slapd';
import { startApp } from '../../testing/jest/app';

/**
 * The endpoint kinds beyond plain IMAP, set up from the dashboard as an administrator would: a
 * source's contacts and calendars (CalDAV/CardDAV or Exchange 2007's EWS) and the cutover's
 * directory (LDAP, tested against a real slapd). Their passwords are write-only: never shown,
 * never stored in the endpoint's settings, kept when an edit leaves them empty.
 * Screenshots at 1280 and 390 px go to test-output/.
 */
const KEY = 'endpoint-forms-test-key-01';

let host: Host;
let source: RunningDovecot;
let slapd: RunningSlapd;
let page: Page;

const browser = useBrowserPage();

beforeAll(async () => {
  [source, slapd] = await Promise.all([
    startDovecot(),
    startSlapd([{ cn: 'alice', mail: 'alice@example.com' }]),
  ]);
  host = await startApp(KEY);
  page = browser.page();
  await page.goto(`${host.url}/`);
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Open dashboard', exact: true }).click();
  await page.getByRole('link', { name: 'Endpoints' }).click();
}, 60000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), slapd?.stop()]);
});

const button = (name: string) => page.getByRole('button', { name, exact: true });
const rowOf = (text: string) => page.getByRole('row').filter({ hasText: text });

async function stored(name: string): Promise<any> {
  const res = await fetch(`${host.url}/api/endpoints`, { headers: { 'x-functions-key': KEY } });
  const { endpoints } = (await res.json()) as { endpoints: any[] };
  return endpoints.find((e) => e.name === name);
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a source endpoint reads contacts and calendars from a DAV server, then from EWS; passwords stay write-only', async () => {
  await button('New endpoint').click();
  const form = page.getByRole('form', { name: 'New endpoint' });
  await form.getByLabel('Name').fill('legacy');
  await form.getByLabel('IMAP server').fill(source.host);
  await form.getByLabel(/^Port/).fill(String(source.port));
  await form.getByLabel('Security', { exact: true }).selectOption('none');
  await form.getByLabel('Password', { exact: true }).fill(source.admin.password);
  expect(await form.getByLabel('DAV server URL').isVisible()).toBe(false); // nothing until chosen
  await form.getByLabel('Read contacts and calendars from').selectOption('dav');

  // A plain-http DAV URL with "https only" is refused with the field and the fix, and the form stays.
  await form.getByLabel('DAV server URL').fill('http://127.0.0.1:5232/');
  await form.getByRole('button', { name: 'Create endpoint' }).click();
  await form.getByText(/settings\.dav\.url: must be https:\/\/.*\(ENDPOINT_INVALID\)/).waitFor();

  await form.getByLabel('DAV connection').selectOption('none');
  await form.getByLabel(/^DAV login/).fill('{user}');
  await form.getByLabel(/^DAV password/).fill('dav-password-1');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-endpoint-dav-1280.png'), fullPage: true });
  await form.getByRole('button', { name: 'Create endpoint' }).click();
  await rowOf('legacy').waitFor();
  expect(await rowOf('legacy').innerText()).toMatch(/legacy\s+imap\s+127\.0\.0\.1:\d+ \+ DAV/);
  const created = await stored('legacy');
  expect(created.settings.dav).toMatchObject({
    url: 'http://127.0.0.1:5232/',
    security: 'none',
    login: '{user}',
  });
  expect(created.settings.dav.password).toMatch(/^secret:/);
  expect(JSON.stringify(created)).not.toContain('dav-password-1');

  // Switch the same endpoint to Exchange 2007's EWS with impersonation.
  await page.getByRole('button', { name: 'Edit legacy' }).click();
  const edit = page.getByRole('form', { name: 'Edit endpoint legacy' });
  expect(await edit.getByLabel('DAV server URL').inputValue()).toBe('http://127.0.0.1:5232/');
  expect(await edit.getByLabel(/^DAV password/).inputValue()).toBe(''); // write-only
  await edit.getByLabel('Read contacts and calendars from').selectOption('ews');
  await edit.getByLabel('EWS URL').fill('https://mail.contoso.com/EWS/Exchange.asmx');
  await edit.getByLabel(/impersonation/).check();
  await edit.getByLabel('Impersonating account', { exact: true }).fill('migration-admin');
  await edit.getByLabel(/NetBIOS domain/).fill('CONTOSO');
  await edit.getByLabel(/^Impersonating account's password/).fill('ews-password-1');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-endpoint-ews-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await edit.waitFor({ state: 'detached' });
  await waitFor(async () => Boolean((await stored('legacy')).settings.ews), 'the EWS block');
  const switched = await stored('legacy');
  expect(switched.settings.dav).toBeUndefined();
  expect(switched.settings.ews).toMatchObject({
    url: 'https://mail.contoso.com/EWS/Exchange.asmx',
    auth: 'ntlm',
    impersonation: true,
    admin: { user: 'migration-admin', domain: 'CONTOSO' },
  });
  const ref = switched.settings.ews.password;
  expect(ref).toMatch(/^secret:/);
  expect(JSON.stringify(switched)).not.toContain('ews-password-1');
  await waitFor(async () => /\+ EWS/.test(await rowOf('legacy').innerText()), 'the EWS mark');

  // An edit that leaves the password empty keeps the stored one.
  await page.getByRole('button', { name: 'Edit legacy' }).click();
  const again = page.getByRole('form', { name: 'Edit endpoint legacy' });
  await again.getByLabel('Mailboxes at once').fill('7');
  await again.getByRole('button', { name: 'Save changes' }).click();
  await again.waitFor({ state: 'detached' });
  await waitFor(async () => (await stored('legacy')).maxConcurrentMigrations === 7, 'the edit');
  expect((await stored('legacy')).settings.ews.password).toBe(ref);
});

test('a directory endpoint is created, tested against the directory, edited and removed', async () => {
  await button('New directory endpoint').click();
  const form = page.getByRole('form', { name: 'New directory endpoint' });
  await form.getByLabel('Name').fill('ad');
  await form.getByLabel('Directory URL').fill(slapd.url);
  await form.getByLabel('Security').selectOption('none');
  await form.getByLabel('Bind as (DN)').fill(slapd.writer.dn);
  await form.getByLabel(/base DN/).fill(slapd.baseDn);
  await form.getByLabel('Bind password').fill(slapd.writer.password);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-endpoint-ldap-1280.png'), fullPage: true });
  await form.getByRole('button', { name: 'Create endpoint' }).click();
  await rowOf('ad').first().waitFor();
  const row = rowOf(slapd.url);
  expect(await row.innerText()).toMatch(/ad\s+ldap\s+ldap:\/\/127\.0\.0\.1:\d+/);
  expect(JSON.stringify(await stored('ad'))).not.toContain(slapd.writer.password);

  await page.getByRole('button', { name: 'Test connection to ad' }).click();
  await row.getByText(`Connected: logged in as ${slapd.writer.dn}`, { exact: false }).waitFor();

  // Edit without the password: it is kept, so the directory still accepts the bind.
  await page.getByRole('button', { name: 'Edit ad' }).click();
  const edit = page.getByRole('form', { name: 'Edit endpoint ad' });
  expect(await edit.getByLabel(/^Bind password/).inputValue()).toBe('');
  await edit.getByLabel('Find a mailbox by').selectOption('proxyAddresses');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await edit.waitFor({ state: 'detached' });
  await waitFor(async () => (await stored('ad')).settings.findBy === 'proxyAddresses', 'the edit');
  await page.getByRole('button', { name: 'Test connection to ad' }).click();
  await row.getByText('Testing…').waitFor({ state: 'detached' });
  await row.getByText(`Connected: logged in as ${slapd.writer.dn}`, { exact: false }).waitFor();

  // A wrong password is the directory's refusal, shown on the row.
  await page.getByRole('button', { name: 'Edit ad' }).click();
  const wrong = page.getByRole('form', { name: 'Edit endpoint ad' });
  await wrong.getByLabel(/^Bind password/).fill('not-the-password');
  await wrong.getByRole('button', { name: 'Save changes' }).click();
  await wrong.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Test connection to ad' }).click();
  await row.getByText(/^Failed: /).waitFor();

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Remove ad' }).click();
  await row.waitFor({ state: 'detached' });
});
