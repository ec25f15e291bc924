import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KEY_FILE, LocalSecretStore, SECRETS_FILE } from '../../shared/secrets';
import { problemOf as problem } from '../../testing/jest/problem';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mailferry-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PASSWORD = 'Corr3ct-Horse-Battery-Staple!';

test('round trip: set, get, delete, deletePrefix; a missing secret reads as undefined', async () => {
  const store = new LocalSecretStore({ dataDir: dir });
  await store.set('endpoint-legacy', PASSWORD);
  await store.setMany([
    ['batch-abc-1', 'pässwörd-1'],
    ['batch-abc-2', 'password-2'],
    ['batch-xyz-1', 'password-3'],
  ]);
  expect(await store.get('endpoint-legacy')).toBe(PASSWORD);
  expect(await store.get('batch-abc-1')).toBe('pässwörd-1');
  expect(await store.get('nothing-here')).toBeUndefined();
  expect(await store.deletePrefix('batch-abc-')).toBe(2);
  expect(await store.get('batch-abc-2')).toBeUndefined();
  expect(await store.get('batch-xyz-1')).toBe('password-3');
  expect(await store.delete('batch-xyz-1')).toBe(true);
  expect(await store.delete('batch-xyz-1')).toBe(false);
});

test('files are mode 0600, the file holds no plaintext, no temp file is left behind', async () => {
  const store = new LocalSecretStore({ dataDir: dir });
  await store.set('endpoint-legacy', PASSWORD);
  for (const f of [KEY_FILE, SECRETS_FILE]) {
    expect((await stat(path.join(dir, f))).mode & 0o777).toBe(0o600);
  }
  const raw = await readFile(path.join(dir, SECRETS_FILE));
  expect(raw.includes(Buffer.from(PASSWORD))).toBe(false);
  expect(raw.includes(Buffer.from('endpoint-legacy'))).toBe(false);
  expect((await readdir(dir)).sort()).toEqual([KEY_FILE, SECRETS_FILE].sort());
});

test('a new instance on the same folder (a restart) reads the old secrets', async () => {
  await new LocalSecretStore({ dataDir: dir }).set('endpoint-legacy', PASSWORD);
  const again = new LocalSecretStore({ dataDir: dir });
  expect(await again.get('endpoint-legacy')).toBe(PASSWORD);
});

test('50 concurrent writes in one process all persist', async () => {
  const store = new LocalSecretStore({ dataDir: dir });
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.set(`batch-c-${i}`, `value-${i}`)));
  const fresh = new LocalSecretStore({ dataDir: dir });
  const values = await Promise.all(Array.from({ length: 50 }, (_, i) => fresh.get(`batch-c-${i}`)));
  expect(values).toEqual(Array.from({ length: 50 }, (_, i) => `value-${i}`));
});

test('a wrong key gives SECRET_STORE_UNREADABLE and the file is not overwritten', async () => {
  await new LocalSecretStore({ dataDir: dir }).set('endpoint-legacy', PASSWORD);
  const before = await readFile(path.join(dir, SECRETS_FILE));
  await writeFile(path.join(dir, KEY_FILE), `${Buffer.alloc(32, 7).toString('base64')}\n`);
  const store = new LocalSecretStore({ dataDir: dir });
  const err = await problem(store.get('endpoint-legacy'));
  expect(err.code).toBe('SECRET_STORE_UNREADABLE');
  expect(JSON.stringify(err)).not.toContain(PASSWORD);
  expect((await problem(store.set('other', 'x'.repeat(10)))).code).toBe('SECRET_STORE_UNREADABLE');
  expect((await readFile(path.join(dir, SECRETS_FILE))).equals(before)).toBe(true);
});

test('a corrupted file, a malformed key and a missing key are coded errors', async () => {
  await new LocalSecretStore({ dataDir: dir }).set('endpoint-legacy', PASSWORD);
  const file = path.join(dir, SECRETS_FILE);
  const data = await readFile(file);
  data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0xff;
  await writeFile(file, data);
  expect((await problem(new LocalSecretStore({ dataDir: dir }).get('endpoint-legacy'))).code).toBe(
    'SECRET_STORE_UNREADABLE',
  );

  await writeFile(path.join(dir, KEY_FILE), 'c2hvcnQ=\n');
  expect((await problem(new LocalSecretStore({ dataDir: dir }).get('endpoint-legacy'))).code).toBe(
    'SECRET_KEY_INVALID',
  );

  await rm(path.join(dir, KEY_FILE));
  expect((await problem(new LocalSecretStore({ dataDir: dir }).get('endpoint-legacy'))).code).toBe(
    'SECRET_KEY_MISSING',
  );
});

test('bad names and values are refused without echoing the value', async () => {
  const store = new LocalSecretStore({ dataDir: dir });
  expect((await problem(store.set('has space', 'v'))).code).toBe('SECRET_NAME_INVALID');
  const tooBig = 'p'.repeat(30_000);
  const err = await problem(store.set('big', tooBig));
  expect(err.code).toBe('SECRET_VALUE_INVALID');
  expect(JSON.stringify(err)).not.toContain('pppp');
});
