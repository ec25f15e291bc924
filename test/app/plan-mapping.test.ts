import type { Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, batchReaching, imapAs, startApp } from '../../testing/jest/app';

/**
 * The batch options reach the copy engine through the app, between two real Dovecots: a folder
 * mapped by the batch lands where the map says (its subfolder with it), and with mirrorDeletions
 * a message deleted on the source is deleted on the target by the next incremental pass.
 */
const KEY = 'plan-mapping-key';
let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;
const api = apiFor(() => host, KEY);
const USER = 'hank@example.com';

async function subjects(server: RunningDovecot, folder: string): Promise<string[] | undefined> {
  const c = await imapAs(server, USER);
  try {
    const listed = (await c.list()).map((f) => f.path);
    if (!listed.includes(folder)) return undefined;
    const box = await c.mailboxOpen(folder, { readOnly: true });
    if (!box.exists) return [];
    const out: string[] = [];
    for await (const m of c.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
    return out.sort();
  } finally {
    await c.logout();
  }
}

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  source.addUser(USER, 'x');
  target.addUser(USER, 'x');
  const c = await imapAs(source, USER);
  const msg = (s: string): string =>
    `From: a@example.org\r\nSubject: ${s}\r\nMessage-ID: <${s}@x>\r\n\r\n${s}\r\n`;
  await c.append('INBOX', msg('keep'));
  await c.append('INBOX', msg('delete-me'));
  await c.mailboxCreate('INBOX/Old');
  await c.append('INBOX/Old', msg('old'));
  await c.mailboxCreate('INBOX/Old/2019');
  await c.append('INBOX/Old/2019', msg('older'));
  await c.logout();
  host = await startApp(KEY);
  await addImapEndpoints(api, { source, target });
}, 60000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

test('a mapped folder lands where the batch says; mirrored deletions reach the mail', async () => {
  const created = await api('POST', 'batches', {
    name: 'mapped',
    sourceEndpoint: 'source',
    target: 'target',
    csv: `EmailAddress\r\n${USER}\r\n`,
    options: { folderMap: { 'INBOX/Old': 'Archive/Old' }, mirrorDeletions: true },
  });
  expect(created.status).toBe(201);
  const id = created.json.batch.id;
  await api('POST', `batches/${id}/start`);
  await batchReaching(api, id, ['Synced'], 60_000);
  expect(await subjects(target, 'Archive/Old')).toEqual(['old']);
  expect(await subjects(target, 'Archive/Old/2019')).toEqual(['older']);
  expect(await subjects(target, 'INBOX/Old')).toBeUndefined();
  expect(await subjects(target, 'INBOX')).toEqual(['delete-me', 'keep']);

  // Deleted on the source: the next pass deletes it on the target too.
  const c = await imapAs(source, USER);
  await c.mailboxOpen('INBOX');
  await c.messageDelete({ header: { subject: 'delete-me' } });
  await c.logout();
  const sync = await api('POST', `batches/${id}/sync`);
  expect(sync.json.batch.status).toBe('IncrementalSyncing');
  await batchReaching(api, id, ['Synced'], 60_000);
  expect(await subjects(target, 'INBOX')).toEqual(['keep']);
}, 120000);
