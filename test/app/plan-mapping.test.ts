import type { RunningDovecot } from '../../testing/mail/dovecot';
import { batchReaching, imapAs } from '../../testing/jest/app';
import { subjectsIn, textMessage, useMigrationApp } from '../../testing/jest/migration-app';

/**
 * The batch options reach the copy engine through the app, between two real Dovecots: a folder
 * mapped by the batch lands where the map says (its subfolder with it), and with mirrorDeletions
 * a message deleted on the source is deleted on the target by the next incremental pass.
 */
const USER = 'hank@example.com';
const app = useMigrationApp({
  apiKey: 'plan-mapping-key',
  users: [USER],
  seed: async (source) => {
    const c = await imapAs(source, USER);
    await c.append('INBOX', textMessage('keep'));
    await c.append('INBOX', textMessage('delete-me'));
    await c.mailboxCreate('INBOX/Old');
    await c.append('INBOX/Old', textMessage('old'));
    await c.mailboxCreate('INBOX/Old/2019');
    await c.append('INBOX/Old/2019', textMessage('older'));
    await c.logout();
  },
});
const { api } = app;
const subjects = (server: RunningDovecot, folder: string) => subjectsIn(server, USER, folder);

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
  expect(await subjects(app.target(), 'Archive/Old')).toEqual(['old']);
  expect(await subjects(app.target(), 'Archive/Old/2019')).toEqual(['older']);
  expect(await subjects(app.target(), 'INBOX/Old')).toBeUndefined();
  expect(await subjects(app.target(), 'INBOX')).toEqual(['delete-me', 'keep']);

  // Deleted on the source: the next pass deletes it on the target too.
  const c = await imapAs(app.source(), USER);
  await c.mailboxOpen('INBOX');
  await c.messageDelete({ header: { subject: 'delete-me' } });
  await c.logout();
  const sync = await api('POST', `batches/${id}/sync`);
  expect(sync.json.batch.status).toBe('IncrementalSyncing');
  await batchReaching(api, id, ['Synced'], 60_000);
  expect(await subjects(app.target(), 'INBOX')).toEqual(['keep']);
}, 120000);
