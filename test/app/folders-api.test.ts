/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { batchReaching, imapAs } from '../../testing/jest/app';
import { useMigrationApp } from '../../testing/jest/migration-app';

/**
 * Per-folder reconciliation and live statistics through the real app between two real Dovecots:
 * after a pass every folder is "ok", the mailbox row carries its progress (100 %, time left 0), a
 * message deleted on the target behind mailferry's back is caught as "missing 1", and the
 * reconciliation.csv report is listed with the batch's reports.
 */
const KEY = 'folders-api-test-key-0001';
const USER = 'alice@example.com';
/** In no other batch (a mailbox is migrated by one batch at a time). */
const OTHER = 'bob@example.com';

const app = useMigrationApp({
  apiKey: KEY,
  users: [USER],
  seed: async (source) => {
    const alice = await imapAs(source, USER);
    await alice.mailboxCreate('Projects');
    for (let i = 1; i <= 3; i++) {
      await alice.append(
        'INBOX',
        `From: a@example.org\r\nSubject: in ${i}\r\nMessage-ID: <in${i}@x>\r\n\r\nbody ${i}\r\n`,
      );
    }
    for (let i = 1; i <= 2; i++) {
      await alice.append(
        'Projects',
        `From: a@example.org\r\nSubject: p ${i}\r\nMessage-ID: <p${i}@x>\r\n\r\nplan ${i}\r\n`,
      );
    }
    // Over the target's 1 MB limit: skipped with its reason, so the verdict is still ok.
    await alice.append(
      'INBOX',
      `From: a@example.org\r\nSubject: big\r\nMessage-ID: <big@x>\r\n\r\n${'y'.repeat(1_200_000)}\r\n`,
    );
    await alice.logout();
  },
  endpoints: { targetSettings: { maxMessageSizeMB: 1 } },
});
const { api } = app;

test('folders reconcile after a pass, the row shows its progress, and a message deleted on the target is missing 1', async () => {
  const created = await api('POST', 'batches?name=recon&autoStart=true', `EmailAddress\r\n${USER}\r\n`);
  expect(created.status).toBe(201);
  const id = created.json.batch.id as string;
  await batchReaching(api, id, ['Synced', 'SyncedWithErrors']);
  // The batch is Synced before its last step, the report with reconciliation.csv: wait for it, so
  // that the file counts the target before the deletion below.
  await reconciliationListed(id);

  const { json: detail } = await api('GET', `batches/${id}/mailboxes/${USER}`);
  expect(detail.mailbox.progress).toMatchObject({
    currentFolder: '',
    sourceItems: 6,
    itemsDone: 6,
    mailItems: 5,
    etaSeconds: 0,
  });
  expect(detail.mailbox.progress.mailBytes).toBeGreaterThan(0);

  const first = await api('GET', `batches/${id}/mailboxes/${USER}/folders`);
  expect(first.status).toBe(200);
  const byFolder = Object.fromEntries(first.json.folders.map((f: any) => [f.folder, f]));
  expect(byFolder.INBOX).toMatchObject({
    sourceItems: 4,
    targetItems: 3,
    copied: 3,
    skipped: 1,
    skippedReasons: [{ reason: 'too large for the target', count: 1 }],
    verdict: 'ok',
    verdictText: 'ok',
  });
  expect(byFolder.INBOX.sourceBytes).toBeGreaterThan(1_200_000);
  expect(byFolder.INBOX.targetBytes).toBeGreaterThan(0);
  expect(byFolder.Projects).toMatchObject({ sourceItems: 2, targetItems: 2, verdict: 'ok' });

  // Behind mailferry's back: one message expunged on the target with Dovecot's own tool.
  app.target().doveadm('expunge', '-u', USER, 'mailbox', 'INBOX', 'uid', '1');
  const after = await api('GET', `batches/${id}/mailboxes/${USER}/folders`);
  const inbox = after.json.folders.find((f: any) => f.folder === 'INBOX');
  expect(inbox).toMatchObject({
    targetItems: 2,
    copied: 3,
    verdict: 'missing',
    difference: 1,
    verdictText: 'missing 1',
  });
  expect(after.json.folders.find((f: any) => f.folder === 'Projects').verdict).toBe('ok');

  // The run's reconciliation report (written when the pass ended, before the deletion) is listed.
  const reports = await api('GET', `batches/${id}/reports`);
  const recon = reports.json.reports.find((r: any) => r.file === 'reconciliation.csv');
  expect(recon).toMatchObject({ kind: 'final', url: `/api/batches/${id}/reports/final/reconciliation.csv` });
  const csv = await (
    await fetch(`${app.host().url}${recon.url}`, { headers: { 'x-functions-key': KEY } })
  ).text();
  const inboxLine = csv.split('\r\n').find((l) => l.startsWith(`${USER},INBOX,`));
  expect(inboxLine).toMatch(/,4,\d+,3,\d+,3,1,too large for the target: 1,ok,/);
}, 120000);

async function reconciliationListed(id: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const { json } = await api('GET', `batches/${id}/reports`);
    if (json.reports?.some((r: any) => r.file === 'reconciliation.csv' && r.kind === 'final')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('reconciliation.csv was not written within 30 s');
}

test('the folders route answers 401 without the key, 400 for a bad address, 404 coded for unknown ones', async () => {
  const created = await api('POST', 'batches?name=recon-errors', `EmailAddress\r\n${OTHER}\r\n`);
  const id = created.json.batch.id as string;
  expect((await fetch(`${app.host().url}/api/batches/${id}/mailboxes/${OTHER}/folders`)).status).toBe(401);
  const bad = await api('GET', `batches/${id}/mailboxes/ab/folders`);
  expect(bad.status).toBe(400);
  expect(bad.json).toMatchObject({ code: 'REQUEST_INVALID', field: 'email' });
  const noMailbox = await api('GET', `batches/${id}/mailboxes/nobody@example.com/folders`);
  expect(noMailbox.status).toBe(404);
  expect(noMailbox.json.code).toBe('MAILBOX_NOT_FOUND');
  const noBatch = await api('GET', `batches/no-such-batch/mailboxes/${OTHER}/folders`);
  expect(noBatch.status).toBe(404);
  expect(noBatch.json.code).toBe('BATCH_NOT_FOUND');
  // Not copied yet (once the CSV's rows are in): nothing to reconcile, and no server is asked.
  for (let i = 0; i < 100 && (await api('GET', `batches/${id}/mailboxes/${OTHER}`)).status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const empty = await api('GET', `batches/${id}/mailboxes/${OTHER}/folders`);
  expect(empty.status).toBe(200);
  expect(empty.json.folders).toEqual([]);
});
