/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { services } from '../../shared/app/services';
import { BlobServiceClient } from '@azure/storage-blob';
import { batchGone, imapAs } from '../../testing/jest/app';
import { textMessage, useMigrationApp } from '../../testing/jest/migration-app';

/**
 * The dry run and option changes through the real app, between two real Dovecots: what a pass would
 * do per folder (mapping, counts, bytes, what the limits and the date window leave out, a time), with
 * the target left exactly as it was; and every refusal as coded data.
 */
const DAY = 86_400_000;
const old = new Date(Date.now() - 400 * DAY);
const app = useMigrationApp({
  apiKey: 'plan-api-key',
  users: ['alice', 'bob', 'bob2', 'bob3', 'bob4', 'bob5', 'bob6'].map((u) => `${u}@example.com`),
  seed: async (source) => {
    const alice = await imapAs(source, 'alice@example.com');
    await alice.append('INBOX', textMessage('old-1', 'x'), [], old);
    await alice.append('INBOX', textMessage('old-2', 'x'), [], old);
    await alice.append('INBOX', textMessage('new-1', 'x'), []);
    await alice.append('INBOX', textMessage('old-big', 'y'.repeat(1_200_000)), [], old);
    await alice.mailboxCreate('INBOX/Old');
    await alice.append('INBOX/Old', textMessage('older', 'x'), [], old);
    await alice.mailboxCreate('Junk');
    await alice.append('Junk', textMessage('spam', 'x'), []);
    await alice.logout();
  },
  endpoints: { targetSettings: { maxMessageSizeMB: 1 } },
});
const { api } = app;

async function targetSnapshot(): Promise<string> {
  const c = await imapAs(app.target(), 'alice@example.com');
  try {
    const folders = await c.list({ statusQuery: { messages: true, uidNext: true } });
    return JSON.stringify(folders.map((f) => [f.path, f.status?.messages, f.status?.uidNext]).sort());
  } finally {
    await c.logout();
  }
}

/** Starts a plan (202), waits for the service to finish it, and answers every mailbox it planned. */
async function planOf(id: string, body: object = {}): Promise<any> {
  const started = await api('POST', `batches/${id}/plan`, body);
  expect(started.status).toBe(202);
  expect(started.json.plan).toMatchObject({ state: 'Running', planned: 0 });
  let answer = await api('GET', `batches/${id}/plan`);
  expect(answer.json).toHaveProperty('plan');
  for (let i = 0; answer.json.plan.state === 'Running' && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await api('GET', `batches/${id}/plan`);
  }
  expect(answer.status).toBe(200);
  expect(answer.json.plan.state).toBe('Completed');
  const mailboxes = [...answer.json.mailboxes];
  for (let page = 2; page <= answer.json.plan.pages; page++)
    mailboxes.push(...(await api('GET', `batches/${id}/plan?page=${page}`)).json.mailboxes);
  return { ...answer.json, mailboxes };
}

async function createBatch(name: string, options: object, email = 'alice@example.com'): Promise<any> {
  const res = await api('POST', 'batches', {
    name,
    sourceEndpoint: 'source',
    target: 'target',
    csv: `EmailAddress\r\n${email}\r\n`,
    options,
  });
  expect(res.status).toBe(201);
  return res.json.batch;
}

test('a plan maps, counts and estimates per folder and leaves the target untouched', async () => {
  const before = await targetSnapshot();
  const batch = await createBatch('plan-1', {
    before: '90d',
    folderMap: { 'INBOX/Old': 'Archive/Old' },
    excludeFolders: ['Junk'],
  });
  const plan = await planOf(batch.id);
  expect(Date.parse(plan.window.before)).toBeGreaterThan(Date.now() - 91 * DAY);
  expect(Date.parse(plan.window.before)).toBeLessThan(Date.now() - 89 * DAY);
  expect(plan.rate.source).toBe('default');
  expect(plan.mailboxes).toHaveLength(1);
  const mb = plan.mailboxes[0];
  expect(mb).toMatchObject({ email: 'alice@example.com', ok: true });
  const byFolder = Object.fromEntries(mb.folders.map((f: any) => [f.source, f]));
  expect(byFolder.INBOX).toMatchObject({
    target: 'INBOX',
    messages: 4,
    filteredByDate: 1,
    tooLarge: 1,
    eligible: 2,
    toCopy: 2,
    alreadyCopied: 0,
  });
  expect(byFolder.INBOX.bytes).toBeGreaterThan(1_200_000);
  expect(byFolder['INBOX/Old']).toMatchObject({ target: 'Archive/Old', messages: 1, toCopy: 1 });
  expect(mb.renames).toContainEqual({
    source: 'INBOX/Old',
    target: 'Archive/Old',
    reason: 'folder map of the batch',
  });
  expect(mb.excluded).toContainEqual({
    source: 'Junk',
    reason: 'excluded by the folder filter',
    messages: 1,
  });
  expect(mb.totals).toMatchObject({
    messages: 5,
    toCopy: 3,
    tooLarge: 1,
    filteredByDate: 1,
    excludedMessages: 1,
  });
  expect(mb.estimatedMinutes).toBeGreaterThan(0);

  // A slower rate gives a longer estimate.
  const slow = await planOf(batch.id, { bytesPerMinute: 60 });
  expect(slow.rate).toEqual({ bytesPerMinute: 60, source: 'requested' });
  expect(slow.mailboxes[0].estimatedMinutes).toBeGreaterThan(mb.estimatedMinutes);

  // Nothing was created or appended on the target.
  expect(await targetSnapshot()).toBe(before);

  // The final pass drops the filter: the plan now counts the new mail too.
  const patched = await api('PATCH', `batches/${batch.id}/options`, { before: null });
  expect(patched.status).toBe(200);
  expect(patched.json.batch.options.before).toBeUndefined();
  expect(patched.json.batch.options.folderMap).toEqual({ 'INBOX/Old': 'Archive/Old' });
  const after = await planOf(batch.id);
  expect(after.mailboxes[0].totals).toMatchObject({ toCopy: 4, filteredByDate: 0 });

  // Removing the batch removes its plan too.
  const plans = BlobServiceClient.fromConnectionString(
    app.host().storage.connectionString,
  ).getContainerClient('plans');
  const planFiles = async (): Promise<string[]> => {
    const names: string[] = [];
    for await (const b of plans.listBlobsFlat({ prefix: `${batch.id}/` })) names.push(b.name);
    return names;
  };
  expect(await planFiles()).toEqual([`${batch.id}/page-00001.json`, `${batch.id}/status.json`]);
  expect((await api('DELETE', `batches/${batch.id}`)).status).toBe(202);
  expect(await batchGone(api, batch.id)).toBe(true);
  expect(await planFiles()).toEqual([]);
}, 60000);

test('a batch is planned page by page in the service; a mailbox that cannot log in is a row with its code; one plan at a time', async () => {
  // 7 mailboxes: two pages of the plan run (5 a page).
  const users = ['bob', 'bob2', 'bob3', 'bob4', 'bob5', 'bob6'].map((u) => `${u}@example.com`);
  // IMAP CSV with each user's own password: sealed at upload, stored by the plan before it logs in.
  const rows = [...users, 'nobody@example.com'].map((u) => `${u},${u},x`);
  const perUser = await api('POST', 'endpoints', {
    name: 'source-users',
    type: 'imap',
    settings: { host: app.source().host, port: app.source().port, security: 'none' },
  });
  expect(perUser.status).toBe(201);
  const created = await api('POST', 'batches', {
    name: 'plan-2',
    sourceEndpoint: 'source-users',
    target: 'target',
    csv: ['EmailAddress,UserName,Password', ...rows].join('\r\n'),
  });
  expect(created.status).toBe(201);
  const batch = created.json.batch;
  const started = await api('POST', `batches/${batch.id}/plan`, {});
  expect(started.status).toBe(202);
  const again = await api('POST', `batches/${batch.id}/plan`, {});
  expect(again.status).toBe(409);
  expect(again.json).toMatchObject({ code: 'PLAN_RUNNING' });
  let answer = await api('GET', `batches/${batch.id}/plan`);
  for (let i = 0; answer.json.plan.state === 'Running' && i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    answer = await api('GET', `batches/${batch.id}/plan`);
  }
  expect(answer.json.plan).toMatchObject({ state: 'Completed', pages: 2, planned: 7, totalMailboxes: 7 });
  expect(answer.json.nextPage).toBe(2);
  const second = await api('GET', `batches/${batch.id}/plan?page=2`);
  expect(second.json.nextPage).toBeUndefined();
  const all = [...answer.json.mailboxes, ...second.json.mailboxes];
  expect(all.map((m: any) => m.email).sort()).toEqual([...users, 'nobody@example.com'].sort());
  expect(all.filter((m: any) => !m.ok).map((m: any) => m.email)).toEqual(['nobody@example.com']);
  const failed = all.find((m: any) => m.email === 'nobody@example.com');
  expect(failed).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^[A-Z_]+$/) } });
  expect(failed.error.message).toMatch(/nobody@example\.com/);
  // Past the last page: the status, no mailboxes.
  expect((await api('GET', `batches/${batch.id}/plan?page=3`)).json.mailboxes).toEqual([]);
}, 90000);

test('refusals are coded: no key 401, bad input 400 naming the field, unknown batch 404, closed batch 409', async () => {
  const batch = await createBatch('plan-3', {}, 'carol@example.com');
  const noKey = await fetch(`${app.host().url}/api/batches/${batch.id}/plan`, { method: 'POST' });
  expect(noKey.status).toBe(401);
  const noKeyPatch = await fetch(`${app.host().url}/api/batches/${batch.id}/options`, {
    method: 'PATCH',
    body: '{}',
  });
  expect(noKeyPatch.status).toBe(401);

  const badRate = await api('POST', `batches/${batch.id}/plan`, { bytesPerMinute: -1 });
  expect(badRate.status).toBe(400);
  expect(badRate.json).toMatchObject({ code: 'REQUEST_INVALID', field: 'bytesPerMinute' });
  const badPage = await api('GET', `batches/${batch.id}/plan?page=0`);
  expect(badPage.json).toMatchObject({ code: 'REQUEST_INVALID', field: 'page' });
  const noPlan = await api('GET', `batches/${batch.id}/plan`);
  expect(noPlan.status).toBe(404);
  expect(noPlan.json).toMatchObject({ code: 'PLAN_NOT_FOUND' });
  expect((await fetch(`${app.host().url}/api/batches/${batch.id}/plan`)).status).toBe(401);
  const badAge = await api('PATCH', `batches/${batch.id}/options`, { before: '90 days' });
  expect(badAge.status).toBe(400);
  expect(badAge.json).toMatchObject({ code: 'BATCH_INVALID', field: 'options.before' });
  expect(badAge.json.message).toMatch(/90d/);
  const empty = await api('PATCH', `batches/${batch.id}/options`, {
    since: '2025-01-01',
    before: '2024-01-01',
  });
  expect(empty.json).toMatchObject({ code: 'BATCH_INVALID', field: 'options.before' });
  const badMap = await api('PATCH', `batches/${batch.id}/options`, { folderMap: { 'Inbox//Old': 'A' } });
  expect(badMap.json).toMatchObject({ code: 'BATCH_INVALID', field: 'options.folderMap.Inbox//Old' });
  const unknown = await api('PATCH', `batches/${batch.id}/options`, { sinse: '90d' });
  expect(unknown.status).toBe(400);
  expect(unknown.json.code).toBe('BATCH_INVALID');
  const badRule = await api('PATCH', `batches/${batch.id}/options`, {
    folderRules: [{ match: '(', to: 'x' }],
  });
  expect(badRule.json).toMatchObject({ code: 'BATCH_INVALID', field: 'options.folderRules.0.match' });
  const badCreate = await api('POST', 'batches', {
    name: 'plan-bad',
    sourceEndpoint: 'source',
    target: 'target',
    csv: 'EmailAddress\r\nzed@example.com\r\n',
    options: { since: 'yesterday' },
  });
  expect(badCreate.status).toBe(400);
  expect(JSON.stringify(badCreate.json)).toMatch(/since/);

  expect((await api('POST', 'batches/no-such-batch/plan', {})).json).toMatchObject({
    code: 'BATCH_NOT_FOUND',
  });
  expect((await api('PATCH', 'batches/no-such-batch/options', { before: '30d' })).status).toBe(404);

  // A batch being removed is neither planned nor changed.
  await services().state.batches.update(batch.id, () => ({ status: 'Removing' }));
  const closedPlan = await api('POST', `batches/${batch.id}/plan`, {});
  expect(closedPlan.status).toBe(409);
  expect(closedPlan.json).toMatchObject({ code: 'BATCH_CLOSED' });
  expect((await api('PATCH', `batches/${batch.id}/options`, { before: '30d' })).json.code).toBe(
    'BATCH_CLOSED',
  );
}, 60000);
