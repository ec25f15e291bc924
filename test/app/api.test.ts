/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import type { Host } from '../../local/host';
import { batchGone, startApp } from '../../testing/jest/app';
import { services } from '../../shared/app/services';
import { batchMailboxSecretName } from '../../shared/secrets/refs';

/** The HTTP API as a client sees it: every route, its errors as `{code, message}` data, and no secret kept. */
const KEY = 'api-test-key-0123456789';
const PASSWORD = 'Cl0ud-Passw0rd-77';
const ADMIN_PASSWORD = 'Adm1n-Passw0rd-88';
let host: Host;

async function call(
  method: string,
  route: string,
  body?: string | object,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${host.url}/api/${route}`, {
    method,
    headers: {
      'x-functions-key': KEY,
      ...(typeof body === 'object' ? { 'content-type': 'application/json' } : { 'content-type': 'text/csv' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  host = await startApp(KEY, { hostOverrides: { maxRequestBytes: 256 * 1024 } });
}, 30000);

afterAll(() => host?.stop());

test('health is open; everything else needs the key', async () => {
  expect((await fetch(`${host.url}/api/health`)).status).toBe(200);
  const res = await fetch(`${host.url}/api/batches`);
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  expect((await call('GET', 'batches', undefined, { 'x-functions-key': 'wrong-key' })).status).toBe(401);
  expect((await call('GET', 'nothing/here')).json).toMatchObject({ code: 'NOT_FOUND' });
});

test('endpoints: bad input names the field; the password never comes back; duplicates and in-use removal are refused', async () => {
  const bad = await call('POST', 'endpoints', { name: 'src', type: 'pop3' });
  expect(bad.status).toBe(400);
  expect(bad.json).toMatchObject({ code: 'REQUEST_INVALID', field: 'type' });
  const noHost = await call('POST', 'endpoints', { name: 'src', type: 'imap', settings: {} });
  expect(noHost.status).toBe(400);
  expect(noHost.json.message).toMatch(/host/);

  const created = await call('POST', 'endpoints', {
    name: 'src',
    type: 'imap',
    settings: { host: '127.0.0.1', port: 1, security: 'none', admin: { user: 'admin' } },
    password: ADMIN_PASSWORD,
  });
  expect(created.status).toBe(201);
  expect(JSON.stringify(created.json)).not.toContain(ADMIN_PASSWORD);
  expect(
    (await call('POST', 'endpoints', { name: 'src', type: 'imap', settings: { host: 'x' } })).status,
  ).toBe(409);
  const updated = await call('PUT', 'endpoints/src', {
    settings: { host: '127.0.0.1', port: 2, security: 'none', admin: { user: 'admin' } },
    password: 'N3w-Adm1n-Passw0rd',
  });
  expect(updated.status).toBe(200);
  expect(updated.json.endpoint.settings.port).toBe(2);
  expect(JSON.stringify(updated.json)).not.toContain('N3w-Adm1n-Passw0rd');
  expect((await call('PUT', 'endpoints/src', { port: 3 })).json).toMatchObject({
    code: 'REQUEST_INVALID',
    field: '',
  });
  expect((await call('PUT', 'endpoints/nope', { maxConcurrentMigrations: 3 })).status).toBe(404);
  await call('PUT', 'endpoints/src', {
    settings: { host: '127.0.0.1', port: 1, security: 'none', admin: { user: 'admin' } },
    password: ADMIN_PASSWORD,
  });
  const list = await call('GET', 'endpoints');
  expect(list.json.endpoints.map((e: any) => e.name)).toEqual(['src']);
  expect(JSON.stringify(list.json)).not.toContain(ADMIN_PASSWORD);

  // Nothing listens on port 1: the test answers with a coded connection error, not a stack.
  const test = await call('POST', 'endpoints/src/test', {});
  expect(test.status).toBe(502);
  expect(test.json.code).toBe('ENDPOINT_UNREACHABLE');
  expect(JSON.stringify(test.json)).not.toMatch(/at .*\.js:\d+/);
  expect((await call('POST', 'endpoints/nope/test', {})).status).toBe(404);
});

test('batches: a CSV becomes a batch; problems come back per row; names are unique; bodies have a limit', async () => {
  expect((await call('POST', 'batches', 'EmailAddress\r\na@x.com\r\n')).json).toMatchObject({
    code: 'REQUEST_INVALID',
    field: 'name',
  });
  expect((await call('POST', 'batches?name=empty', '')).status).toBe(400);

  const bad = await call('POST', 'batches?name=bad', 'EmailAddress,Password\r\nnot-an-address,short\r\n');
  expect(bad.status).toBe(422);
  expect(bad.json.code).toBe('CSV_INVALID');
  expect(bad.json.errors.map((e: any) => [e.code, e.row])).toEqual(
    expect.arrayContaining([
      ['CSV_INVALID_EMAIL', 2],
      ['CSV_PASSWORD_TOO_SHORT', 2],
    ]),
  );
  expect(JSON.stringify(bad.json)).not.toContain('short,');
  expect(bad.json.batch.status).toBe('Failed');

  const csv = `EmailAddress,Password,ForceChangePassword\r\na@x.com,${PASSWORD},True\r\nb@x.com,,\r\nc@x.com,,\r\n`;
  const ok = await call('POST', 'batches?name=wave-2&sourceEndpoint=src&target=src', csv);
  expect(ok.status).toBe(201);
  expect(ok.json.batch).toMatchObject({ name: 'wave-2', status: 'Created', totalMailboxes: 3 });
  expect(ok.json.allowedActions).toEqual(expect.arrayContaining(['start', 'remove']));
  expect((await call('POST', 'batches?name=WAVE-2', csv)).status).toBe(409);

  const asJson = await call('POST', 'batches', { name: 'from-json', csv: 'EmailAddress\njson@x.com\n' });
  expect(asJson.status).toBe(201);
  const unknownOption = await call('POST', 'batches', {
    name: 'x',
    csv: 'EmailAddress\na@x.com\n',
    options: { colour: 'red' },
  });
  expect(unknownOption.status).toBe(400);

  const big = `EmailAddress\r\n${'a'.repeat(300 * 1024)}@x.com\r\n`;
  const tooLarge = await call('POST', 'batches?name=big', big);
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.json.code).toBe('PAYLOAD_TOO_LARGE');
});

test('a batch can also come as a browser form upload or from a blob already in the drop container', async () => {
  const form = new FormData();
  form.set('name', 'from-form');
  form.set('autoStart', 'false');
  form.set('csv', new Blob(['EmailAddress\r\nform@x.com\r\n'], { type: 'text/csv' }), 'wave.csv');
  const res = await fetch(`${host.url}/api/batches`, {
    method: 'POST',
    headers: { 'x-functions-key': KEY },
    body: form,
  });
  expect(res.status).toBe(201);
  expect(((await res.json()) as any).batch).toMatchObject({ name: 'from-form', totalMailboxes: 1 });

  const drop = BlobServiceClient.fromConnectionString(host.storage.connectionString).getContainerClient(
    'migration-batches',
  );
  await drop.createIfNotExists();
  const text = 'EmailAddress\r\nblob@x.com\r\n';
  // Not a .csv name, so the blob trigger leaves it for the API call.
  await drop.getBlockBlobClient('staged/wave.txt').upload(text, text.length);
  const fromBlob = await call('POST', 'batches', { name: 'from-blob', csvBlob: 'staged/wave.txt' });
  expect(fromBlob.status).toBe(201);
  const missing = await call('POST', 'batches', { name: 'nope', csvBlob: 'staged/none.csv' });
  expect(missing.status).toBe(404);
  expect(missing.json.field).toBe('csvBlob');
  const both = await call('POST', 'batches', { name: 'both', csv: 'EmailAddress\na@x.com\n', csvBlob: 'x' });
  expect(both.status).toBe(400);
});

test('batch reads: show, page through mailboxes, 404 for an unknown id', async () => {
  const { json } = await call('GET', 'batches');
  const wave = json.batches.find((b: any) => b.name === 'wave-2');
  const shown = await call('GET', `batches/${wave.id}`);
  expect(shown.json.batch.counts.Queued).toBe(3);
  const first = await call('GET', `batches/${wave.id}/mailboxes?pageSize=2`);
  expect(first.json.items).toHaveLength(2);
  expect(first.json.continuationToken).toBeTruthy();
  const second = await call(
    'GET',
    `batches/${wave.id}/mailboxes?pageSize=2&continuationToken=${encodeURIComponent(first.json.continuationToken)}`,
  );
  expect(second.json.items).toHaveLength(1);
  const seen = [...first.json.items, ...second.json.items].map((m: any) => m.email).sort();
  expect(seen).toEqual(['a@x.com', 'b@x.com', 'c@x.com']);
  const missing = await call('GET', 'batches/doesnotexist');
  expect(missing.status).toBe(404);
  expect(missing.json.code).toBe('BATCH_NOT_FOUND');
  // A page size that is not a number, or over the limit, is named instead of silently replaced.
  for (const pageSize of ['abc', '0', '100000']) {
    const bad = await call('GET', `batches/${wave.id}/mailboxes?pageSize=${pageSize}`);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'REQUEST_INVALID', field: 'pageSize' });
  }
});

test('no password from a CSV or an endpoint is kept in any table or blob', async () => {
  const storage = host.storage.connectionString;
  const tables = TableServiceClient.fromConnectionString(storage, { allowInsecureConnection: true });
  for await (const t of tables.listTables()) {
    const client = TableClient.fromConnectionString(storage, t.name as string, {
      allowInsecureConnection: true,
    });
    for await (const entity of client.listEntities()) {
      const text = JSON.stringify(entity);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(ADMIN_PASSWORD);
    }
  }
  const blobs = BlobServiceClient.fromConnectionString(storage);
  for await (const container of blobs.listContainers()) {
    const client = blobs.getContainerClient(container.name);
    for await (const b of client.listBlobsFlat()) {
      const text = (await client.getBlobClient(b.name).downloadToBuffer()).toString('utf8');
      expect(text).not.toContain(PASSWORD);
    }
  }
});

test('lifecycle: 409 names the status and what is allowed; an endpoint in use cannot go; remove deletes', async () => {
  const { json } = await call('GET', 'batches');
  const wave = json.batches.find((b: any) => b.name === 'wave-2');
  const complete = await call('POST', `batches/${wave.id}/complete`);
  expect(complete.status).toBe(409);
  expect(complete.json).toMatchObject({ code: 'BATCH_ILLEGAL_TRANSITION', status: 'Created' });
  expect((await call('POST', `batches/${wave.id}/stop`)).status).toBe(409);
  expect((await call('DELETE', 'endpoints/src')).json.code).toBe('ENDPOINT_IN_USE');
  const secretName = batchMailboxSecretName(wave.id, 'a@x.com');
  const files = BlobServiceClient.fromConnectionString(host.storage.connectionString).getContainerClient(
    'batches',
  );
  // Until the batch first runs, its CSV passwords wait sealed beside its file (staged-secrets.ts).
  expect(await files.getBlobClient(`${wave.id}/passwords.sealed`).exists()).toBe(true);
  expect(await files.getBlobClient(`${wave.id}/batch.csv`).exists()).toBe(true);
  expect((await call('DELETE', `batches/${wave.id}`)).status).toBe(202);
  expect(await batchGone(call, wave.id)).toBe(true);
  expect(await services().secrets.get(secretName)).toBeUndefined();
  expect(await files.getBlobClient(`${wave.id}/batch.csv`).exists()).toBe(false);
  expect(await files.getBlobClient(`${wave.id}/passwords.sealed`).exists()).toBe(false);
  expect((await call('GET', `batches/${wave.id}/mailboxes`)).json.items ?? []).toEqual([]);
  expect((await call('DELETE', 'endpoints/src')).status).toBe(204);
});
