import type { Host } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, batchReaching, imapAs, startApp } from '../../testing/jest/app';

/**
 * Pre-staging by date through the app, between two real Dovecots: the first pass with
 * `before: 90d` copies only the old mail; the options are changed (the filter dropped) and the
 * final pass copies the rest, and no message lands on the target twice.
 *
 * It needs the copy engine to rescan a folder when its date filter changes (a message skipped by
 * the window must not be behind the checkpoint for good).
 */
const KEY = 'prestage-key';
let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;
const api = apiFor(() => host, KEY);
const old = new Date(Date.now() - 400 * 86_400_000);

async function subjects(server: RunningDovecot, folder: string): Promise<string[]> {
  const c = await imapAs(server, 'frank@example.com');
  try {
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
  source.addUser('frank@example.com', 'x');
  target.addUser('frank@example.com', 'x');
  const c = await imapAs(source, 'frank@example.com');
  const msg = (s: string): string =>
    `From: a@example.org\r\nSubject: ${s}\r\nMessage-ID: <${s}@x>\r\n\r\n${s}\r\n`;
  // Old and recent mail interleaved by UID, so a checkpoint cannot simply stop at the window's edge.
  await c.append('INBOX', msg('old-1'), ['\\Seen'], old);
  await c.append('INBOX', msg('new-1'), ['\\Seen']);
  await c.append('INBOX', msg('old-2'), [], old);
  await c.append('INBOX', msg('new-2'), []);
  await c.logout();
  host = await startApp(KEY);
  await addImapEndpoints(api, { source, target });
}, 60000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

test('old mail first with before: 90d; the final pass without the filter brings the rest, nothing twice', async () => {
  const created = await api('POST', 'batches', {
    name: 'prestage',
    sourceEndpoint: 'source',
    target: 'target',
    csv: 'EmailAddress\r\nfrank@example.com\r\n',
    options: { before: '90d' },
  });
  expect(created.status).toBe(201);
  const id = created.json.batch.id;
  expect((await api('POST', `batches/${id}/start`)).status).toBe(202);
  await batchReaching(api, id, ['Synced'], 60_000);
  expect(await subjects(target, 'INBOX')).toEqual(['old-1', 'old-2']);

  const patched = await api('PATCH', `batches/${id}/options`, { before: null });
  expect(patched.status).toBe(200);
  expect((await api('POST', `batches/${id}/complete`)).status).toBe(202);
  await batchReaching(api, id, ['Completed'], 60_000);
  expect(await subjects(target, 'INBOX')).toEqual(['new-1', 'new-2', 'old-1', 'old-2']);
}, 120000);
