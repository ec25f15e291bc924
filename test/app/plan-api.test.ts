/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import type { Host } from '../../local/host';
import { services } from '../../shared/app/services';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { addImapEndpoints, apiFor, imapAs, startApp } from '../../testing/jest/app';

/**
 * The dry run and option changes through the real app, between two real Dovecots: what a pass would
 * do per folder (mapping, counts, bytes, what the limits and the date window leave out, a time), with
 * the target left exactly as it was; and every refusal as coded data.
 */
const KEY = 'plan-api-key';
let host: Host;
let source: RunningDovecot;
let target: RunningDovecot;
const api = apiFor(() => host, KEY);
const DAY = 86_400_000;
const old = new Date(Date.now() - 400 * DAY);

async function targetSnapshot(): Promise<string> {
  const c = await imapAs(target, 'alice@example.com');
  try {
    const folders = await c.list({ statusQuery: { messages: true, uidNext: true } });
    return JSON.stringify(folders.map((f) => [f.path, f.status?.messages, f.status?.uidNext]).sort());
  } finally {
    await c.logout();
  }
}

beforeAll(async () => {
  [source, target] = await Promise.all([startDovecot(), startDovecot()]);
  source.addUser('alice@example.com', 'x');
  source.addUser('bob@example.com', 'x');
  target.addUser('alice@example.com', 'x');
  const alice = await imapAs(source, 'alice@example.com');
  const msg = (n: string, body = 'x'): string =>
    `From: a@example.org\r\nSubject: ${n}\r\nMessage-ID: <${n}@x>\r\n\r\n${body}\r\n`;
  await alice.append('INBOX', msg('old-1'), [], old);
  await alice.append('INBOX', msg('old-2'), [], old);
  await alice.append('INBOX', msg('new-1'), []);
  await alice.append('INBOX', msg('old-big', 'y'.repeat(1_200_000)), [], old);
  await alice.mailboxCreate('INBOX/Old');
  await alice.append('INBOX/Old', msg('older'), [], old);
  await alice.mailboxCreate('Junk');
  await alice.append('Junk', msg('spam'), []);
  await alice.logout();
  host = await startApp(KEY);
  await addImapEndpoints(api, { source, target }, { targetSettings: { maxMessageSizeMB: 1 } });
}, 60000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), target?.stop()]);
});

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
  const res = await api('POST', `batches/${batch.id}/plan`, {});
  expect(res.status).toBe(200);
  const plan = res.json;
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
  const slow = await api('POST', `batches/${batch.id}/plan`, { bytesPerMinute: 60 });
  expect(slow.json.rate).toEqual({ bytesPerMinute: 60, source: 'requested' });
  expect(slow.json.mailboxes[0].estimatedMinutes).toBeGreaterThan(mb.estimatedMinutes);

  // Nothing was created or appended on the target.
  expect(await targetSnapshot()).toBe(before);

  // The final pass drops the filter: the plan now counts the new mail too.
  const patched = await api('PATCH', `batches/${batch.id}/options`, { before: null });
  expect(patched.status).toBe(200);
  expect(patched.json.batch.options.before).toBeUndefined();
  expect(patched.json.batch.options.folderMap).toEqual({ 'INBOX/Old': 'Archive/Old' });
  const after = await api('POST', `batches/${batch.id}/plan`, {});
  expect(after.json.mailboxes[0].totals).toMatchObject({ toCopy: 4, filteredByDate: 0 });
}, 60000);

test('a mailbox that cannot log in is reported in the plan with its code, not as a failed request', async () => {
  const batch = await createBatch('plan-2', {}, 'bob@example.com\r\nnobody@example.com');
  const res = await api('POST', `batches/${batch.id}/plan`, { pageSize: 1 });
  expect(res.status).toBe(200);
  expect(res.json.mailboxes).toHaveLength(1);
  expect(res.json.continuationToken).toEqual(expect.any(String));
  const next = await api('POST', `batches/${batch.id}/plan`, {
    pageSize: 1,
    continuationToken: res.json.continuationToken,
  });
  const all = [...res.json.mailboxes, ...next.json.mailboxes];
  const failed = all.find((m: any) => m.email === 'nobody@example.com');
  expect(failed).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^[A-Z_]+$/) } });
  expect(failed.error.message).toMatch(/nobody@example\.com/);
}, 60000);

test('refusals are coded: no key 401, bad input 400 naming the field, unknown batch 404, closed batch 409', async () => {
  const batch = await createBatch('plan-3', {}, 'carol@example.com');
  const noKey = await fetch(`${host.url}/api/batches/${batch.id}/plan`, { method: 'POST' });
  expect(noKey.status).toBe(401);
  const noKeyPatch = await fetch(`${host.url}/api/batches/${batch.id}/options`, {
    method: 'PATCH',
    body: '{}',
  });
  expect(noKeyPatch.status).toBe(401);

  const badPage = await api('POST', `batches/${batch.id}/plan`, { pageSize: 500 });
  expect(badPage.status).toBe(400);
  expect(badPage.json).toMatchObject({ code: 'REQUEST_INVALID', field: 'pageSize' });
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
