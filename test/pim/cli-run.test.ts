/* eslint-disable @typescript-eslint/no-explicit-any -- the JSON report is read loosely; assertions check its shape */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { imapAs } from '../../testing/jest/app';
import { mailferry } from '../../testing/jest/cli';
import { CLIENT_ID, TEST_SECRET, useStandin } from '../../testing/jest/graph';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { startRadicale, type RunningRadicale } from '../../testing/radicale';
import { vcalendar, vevent } from './fixtures';

/**
 * `mailferry run` with the config contract of contacts and calendars: an IMAP source with a `dav`
 * block (a real Radicale) into a `graph` target (the stand-in), mail first, then contacts and
 * calendars; the JSON report counts them by kind; a rerun creates nothing; no invitation is sent.
 * Into an IMAP target the report says contacts and calendars were not migrated, and why.
 */
const ADA = 'ada@contoso.com';
let source: RunningDovecot;
let imapTarget: RunningDovecot;
let radicale: RunningRadicale;
let work: string;

const standin = useStandin({ users: [{ userPrincipalName: ADA }] });

function file(name: string, content: string): string {
  const p = path.join(work, name);
  writeFileSync(p, content);
  return p;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mailferry-pim-run-'));
  [source, imapTarget, radicale] = await Promise.all([startDovecot(), startDovecot(), startRadicale()]);
  source.addUser(ADA, 'x');
  imapTarget.addUser(ADA, 'x');
  const client = await imapAs(source, ADA);
  await client.append('INBOX', 'From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n', ['\\Seen']);
  await client.logout();
  // Radicale users are named by the login template below ({user} = the address's local part).
  const cal = await radicale.makeCollection('ada', 'calendar', 'calendar', 'Calendar');
  await radicale.put(
    `${cal}review.ics`,
    vcalendar(
      ...vevent(
        'review-1',
        'DTSTART:20250310T100000Z',
        'DTEND:20250310T110000Z',
        'SUMMARY:Review',
        'ORGANIZER:mailto:boss@example.test',
        'ATTENDEE;PARTSTAT=ACCEPTED:mailto:carol@example.test',
      ),
    ),
  );
  const book = await radicale.makeCollection('ada', 'contacts', 'contacts', 'Contacts');
  await radicale.put(
    `${book}bob.vcf`,
    'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:b1\r\nFN:Bob\r\nN:;Bob;;;\r\nEMAIL:bob@example.test\r\nEND:VCARD\r\n',
  );
}, 60000);

afterAll(async () => {
  await Promise.all([source?.stop(), imapTarget?.stop(), radicale?.stop()]);
});

const sourceSide = () => ({
  type: 'imap',
  host: source.host,
  port: source.port,
  security: 'none',
  admin: { user: source.admin.user, password: source.admin.password, loginFormat: '{user}*{admin}' },
  dav: { url: radicale.url, security: 'none', login: '{user}', password: 'x' },
});

test('IMAP + CalDAV/CardDAV into Microsoft 365: mail, then contacts and calendars, counted by kind; a rerun adds nothing', async () => {
  const config = file(
    'graph.json',
    JSON.stringify({
      source: sourceSide(),
      target: {
        type: 'graph',
        tenantId: standin().tenantId,
        clientId: CLIENT_ID,
        clientSecret: { env: 'GRAPH_SECRET' },
        authorityHost: standin().authorityHost,
        graphBaseUrl: standin().url,
      },
    }),
  );
  const csv = file('users.csv', `EmailAddress\n${ADA}\n`);
  const data = path.join(work, 'data-graph');
  const env = { GRAPH_SECRET: TEST_SECRET };
  const first = await mailferry(['run', '--config', config, '--csv', csv, '--data', data, '--json'], {
    env,
    timeoutMs: 120_000,
  });
  expect(first.code).toBe(0);
  const report = JSON.parse(first.stdout) as any;
  const row = report.mailboxes.find((m: any) => m.emailAddress === ADA);
  expect(row).toMatchObject({ status: 'Synced', contacts: 1, events: 1, itemsSynced: 3 });

  const user = [...standin().state.users.values()].find((u: any) => u.userPrincipalName === ADA) as any;
  const pim = standin().state.mailboxes.get(user.id)!.pim;
  const [event] = [...pim.events.values()];
  expect(event?.fields).toMatchObject({ subject: 'Review', attendees: [] });
  expect(String((event?.fields.body as any).content)).toContain('Organizer: boss@example.test');
  expect([...pim.contacts.values()].map((c) => c.fields.displayName)).toEqual(['Bob']);

  const again = await mailferry(['run', '--config', config, '--csv', csv, '--data', data, '--json'], {
    env,
    timeoutMs: 120_000,
  });
  expect(again.code).toBe(0);
  expect(pim.events.size).toBe(1);
  expect(pim.contacts.size).toBe(1);
  expect(await (await fetch(standin().sentMailUrl)).json()).toEqual([]);
}, 240000);

test('into an IMAP target the report says contacts and calendars were not migrated, and why', async () => {
  const config = file(
    'imap.json',
    JSON.stringify({
      source: sourceSide(),
      target: {
        type: 'imap',
        host: imapTarget.host,
        port: imapTarget.port,
        security: 'none',
        admin: {
          user: imapTarget.admin.user,
          password: imapTarget.admin.password,
          loginFormat: '{user}*{admin}',
        },
      },
    }),
  );
  const csv = file('users2.csv', `EmailAddress\n${ADA}\n`);
  const result = await mailferry(['run', '--config', config, '--csv', csv, '--json'], { timeoutMs: 120_000 });
  expect(result.code).toBe(0);
  const row = (JSON.parse(result.stdout) as any).mailboxes.find((m: any) => m.emailAddress === ADA);
  expect(row.pimNote).toMatch(/not migrated: the target is IMAP/);
}, 240000);
