import { batchReaching, imapAs } from '../../testing/jest/app';
import { subjectsIn, textMessage, useMigrationApp } from '../../testing/jest/migration-app';

/**
 * Pre-staging by date through the app, between two real Dovecots: the first pass with
 * `before: 90d` copies only the old mail; the options are changed (the filter dropped) and the
 * final pass copies the rest, and no message lands on the target twice.
 *
 * It needs the copy engine to rescan a folder when its date filter changes (a message skipped by
 * the window must not be behind the checkpoint for good).
 */
const USER = 'frank@example.com';
const old = new Date(Date.now() - 400 * 86_400_000);
const app = useMigrationApp({
  apiKey: 'prestage-key',
  users: [USER],
  seed: async (source) => {
    const c = await imapAs(source, USER);
    // Old and recent mail interleaved by UID, so a checkpoint cannot simply stop at the window's edge.
    await c.append('INBOX', textMessage('old-1'), ['\\Seen'], old);
    await c.append('INBOX', textMessage('new-1'), ['\\Seen']);
    await c.append('INBOX', textMessage('old-2'), [], old);
    await c.append('INBOX', textMessage('new-2'), []);
    await c.logout();
  },
});
const { api } = app;
const inbox = () => subjectsIn(app.target(), USER, 'INBOX');

test('old mail first with before: 90d; the final pass without the filter brings the rest, nothing twice', async () => {
  const created = await api('POST', 'batches', {
    name: 'prestage',
    sourceEndpoint: 'source',
    target: 'target',
    csv: `EmailAddress\r\n${USER}\r\n`,
    options: { before: '90d' },
  });
  expect(created.status).toBe(201);
  const id = created.json.batch.id;
  expect((await api('POST', `batches/${id}/start`)).status).toBe(202);
  await batchReaching(api, id, ['Synced'], 60_000);
  expect(await inbox()).toEqual(['old-1', 'old-2']);

  const patched = await api('PATCH', `batches/${id}/options`, { before: null });
  expect(patched.status).toBe(200);
  expect((await api('POST', `batches/${id}/complete`)).status).toBe(202);
  await batchReaching(api, id, ['Completed'], 60_000);
  expect(await inbox()).toEqual(['new-1', 'new-2', 'old-1', 'old-2']);
}, 120000);
