import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningDovecot } from '../../testing/mail/dovecot';
import { imapAs } from '../../testing/jest/app';
import { useMigrationApp } from '../../testing/jest/migration-app';
import { mailferry } from '../../testing/jest/cli';

/**
 * The dry run from the command line, run as a user runs the built CLI: `mailferry run --dry-run`
 * prints the plan and exits 0 without copying anything, and `mailferry batch new|plan|options`
 * against a running service set a pre-stage window, show its effect and drop it for the final pass.
 */
const KEY = 'plan-cli-key';
let work: string;
const old = new Date(Date.now() - 200 * 86_400_000);
const app = useMigrationApp({
  apiKey: KEY,
  users: ['dave@example.com', 'erin@example.com'],
  seed: async (source) => {
    for (const user of ['dave@example.com', 'erin@example.com']) {
      const c = await imapAs(source, user);
      await c.append('INBOX', `From: a@example.org\r\nSubject: old\r\n\r\nold\r\n`, [], old);
      await c.append('INBOX', `From: a@example.org\r\nSubject: new\r\n\r\nnew\r\n`);
      await c.mailboxCreate('Projects');
      await c.append('Projects', `From: a@example.org\r\nSubject: p\r\n\r\n${'z'.repeat(9000)}\r\n`, [], old);
      await c.logout();
    }
  },
});
function file(name: string, content: string): string {
  const p = path.join(work, name);
  writeFileSync(p, content);
  return p;
}

async function targetFolders(user: string): Promise<string> {
  const c = await imapAs(app.target(), user);
  try {
    const list = await c.list({ statusQuery: { messages: true } });
    return JSON.stringify(list.map((f) => [f.path, f.status?.messages]).sort());
  } finally {
    await c.logout();
  }
}

const side = (server: RunningDovecot) => ({
  type: 'imap',
  host: server.host,
  port: server.port,
  security: 'none',
  admin: { user: server.admin.user, password: server.admin.password, loginFormat: '{user}*{admin}' },
});

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'mailferry-plan-cli-'));
});

test('run --dry-run prints the plan per folder, exits 0 and copies nothing', async () => {
  const before = await targetFolders('dave@example.com');
  const config = file(
    'config.json',
    JSON.stringify({
      source: side(app.source()),
      target: { ...side(app.target()), maxMessageSizeMB: 0.004 },
    }),
  );
  const csv = file('wave.csv', 'EmailAddress\r\ndave@example.com\r\n');
  const res = await mailferry(['run', '--config', config, '--csv', csv, '--dry-run']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/dry run of batch .*: nothing was written to the target/);
  expect(res.stdout).toMatch(/MAILBOX\s+SOURCE FOLDER\s+TARGET FOLDER\s+MESSAGES/);
  // INBOX: 2 messages, both to copy; Projects: 1 message over the 0.004 MB limit.
  expect(res.stdout).toMatch(/dave@example\.com\s+INBOX\s+INBOX\s+2\s+\S+ B\s+2\s/);
  expect(res.stdout).toMatch(/dave@example\.com\s+Projects\s+Projects\s+1\s+\S+ KB\s+0\s+0 B\s+1\s+0/);
  expect(res.stdout).toMatch(/2 of 3 messages to copy/);
  expect(await targetFolders('dave@example.com')).toBe(before);

  const json = await mailferry(['run', '--config', config, '--csv', csv, '--dry-run', '--json']);
  expect(json.code).toBe(0);
  const plan = JSON.parse(json.stdout);
  expect(plan.mailboxes[0].totals).toMatchObject({ messages: 3, toCopy: 2, tooLarge: 1 });
}, 120000);

test('batch new --before, batch plan, batch options --clear before: the window is set, shown and dropped', async () => {
  const env = { MAILFERRY_URL: app.host().url, MAILFERRY_API_KEY: KEY };
  const csv = file('prestage.csv', 'EmailAddress\r\nerin@example.com\r\n');
  const created = await mailferry(
    ['batch', 'new', csv, '--before', '90d', '--folder-map', '{"Projects": "Archive/Projects"}', '--json'],
    { env },
  );
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const batch = JSON.parse(created.stdout).batch;
  expect(batch.options).toMatchObject({ before: '90d', folderMap: { Projects: 'Archive/Projects' } });

  const plan = await mailferry(['batch', 'plan', batch.id], { env });
  expect(plan.code).toBe(0);
  expect(plan.stdout).toMatch(/date window: before \d{4}-/);
  expect(plan.stdout).toMatch(/erin@example\.com\s+INBOX\s+INBOX\s+2\s+\S+ B\s+1\s+\S+ B\s+0\s+1/);
  expect(plan.stdout).toMatch(/erin@example\.com\s+Projects\s+Archive\/Projects\s+1/);
  expect(plan.stdout).toMatch(/mapped: Projects -> Archive\/Projects \(folder map of the batch\)/);

  const bad = await mailferry(['batch', 'options', batch.id, '--since', 'last week'], { env });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/BATCH_INVALID/);
  expect(bad.stderr).toMatch(/options\.since/);

  const cleared = await mailferry(['batch', 'options', batch.id, '--clear', 'before'], { env });
  expect(cleared.code).toBe(0);
  expect(cleared.stdout).toMatch(/since -, before -/);
  const after = await mailferry(['batch', 'plan', batch.id, '--json'], { env });
  expect(JSON.parse(after.stdout).mailboxes[0].totals).toMatchObject({ toCopy: 3, filteredByDate: 0 });
}, 120000);
