import { spawn } from 'node:child_process';
import path from 'node:path';
import { ITEM_KEY_PROPERTY, PENDING_KEY_PROPERTY } from '../../shared/graph/mime';
import { normalisePropertyId } from '../../testing/graph-standin';
import { cleanEnv, mailferry, root } from '../../testing/jest/cli';
import { SOURCE_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { useStandin } from '../../testing/jest/graph';
import { graphRunFiles } from '../../testing/jest/graph-run';
import { seedMailbox, testCorpus } from '../../testing/mail/corpus';

/**
 * `mailferry run` into Microsoft 365 over Graph, killed with SIGKILL while a large attachment is
 * going up through an upload session (the message exists on the target, half built, under its
 * pending key). Run again with the same --data: the half-built copy is removed and the message
 * made again, so the mailbox holds each source message once, none is left half built, and
 * itemsSynced equals what the stand-in holds. Needs `npm run build` (runs dist/cli/main.js).
 */
const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
const USER = 'erin@contoso.com';
const standin = useStandin({
  organization: { displayName: 'Contoso', onPremisesSyncEnabled: true },
  domains: [{ id: 'contoso.com' }],
  users: [{ userPrincipalName: USER }],
  latencyMs: 40,
});
// One message with a 15 MB attachment: over the 3 MB of a plain POST, so it takes an upload session.
const corpus = testCorpus({ largeBytes: 20_000_000 });

test('killed during a Graph upload session and run again: each message once, counters exact', async () => {
  source().addUser(USER, 'pw');
  await seedMailbox({ host: source().host, port: source().port, user: USER, password: 'pw' }, corpus);
  const { config, csv, data } = graphRunFiles('upload-kill', source(), standin(), [USER]);
  const args = ['run', '--config', config, '--csv', csv, '--data', data, '--json'];

  const child = spawn(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...args], {
    env: cleanEnv(),
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline && standin().state.uploadSessions.size === 0 && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 2));
  const uploading = standin().state.uploadSessions.size > 0;
  child.kill('SIGKILL');
  await exited;
  expect(uploading).toBe(true);

  const again = await mailferry(args, { timeoutMs: 240_000 });
  expect(again.stderr).not.toMatch(/^error /m);
  expect(again.code).toBe(0);
  const [mailbox] = JSON.parse(again.stdout).mailboxes;
  // Done (the resumed run may finish as the initial run or as an incremental one), with no error.
  expect([mailbox.emailAddress, /Synced$/.test(mailbox.status), mailbox.error]).toEqual([USER, true, null]);

  const user = [...standin().state.users.values()].find((u) => u.userPrincipalName === USER)!;
  const messages = [...standin().state.mailboxes.get(user.id)!.messages.values()];
  const keyOf = (m: (typeof messages)[number], id: string) =>
    m.extended.get(normalisePropertyId(id))?.value ?? '';
  const keys = messages.map((m) => keyOf(m, ITEM_KEY_PROPERTY));
  expect(messages.filter((m) => keyOf(m, PENDING_KEY_PROPERTY) !== '')).toEqual([]);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.filter((k) => k === '')).toEqual([]);
  expect(messages.length).toBe(corpus.length);
  expect(mailbox.itemsSynced).toBe(messages.length);
  // The large message arrived whole: its attachment has all its bytes.
  const large = messages.find((m) => m.fields.subject === 'very large');
  expect(large?.attachments.reduce((n, a) => n + a.bytes.length, 0)).toBeGreaterThan(14_000_000);
}, 400_000);
