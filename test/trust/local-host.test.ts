import http from 'node:http';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiKeyFor } from '../../cli/api-key';
import { mailferry } from '../../testing/jest/cli';
import { fixtureApp, projectRoot } from '../../testing/jest/runtime';
import { startHost, type Host } from '../../local/host';

/** No way into the embedded runtime without the key: the key itself, the Host header, the management API, the data folder. */
const KEY = 'local-trust-key-0123456789';
const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'mailferry-trust-'));

describe('the API key', () => {
  test('an empty key file or a short MAILFERRY_API_KEY is refused with what to do', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'api-key'), '\n');
    expect(() => apiKeyFor(dir, {})).toThrow(expect.objectContaining({ code: 'API_KEY_TOO_SHORT' }));
    expect(() => apiKeyFor(dir, { MAILFERRY_API_KEY: 'short' })).toThrow(/at least 16 characters/);
    expect(apiKeyFor(dir, { MAILFERRY_API_KEY: KEY })).toEqual({ key: KEY, isNew: false });
  });

  test('a new key is generated into a data folder only its owner can enter', () => {
    const dir = path.join(tmp(), 'data');
    const made = apiKeyFor(dir, {});
    expect(made.isNew).toBe(true);
    expect(made.key.length).toBeGreaterThanOrEqual(16);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'api-key')).mode & 0o777).toBe(0o600);
  });

  test('`mailferry serve` does not start with a short key or an empty key file', async () => {
    const short = await mailferry(['serve', '--data', tmp(), '--port', '0'], {
      env: { MAILFERRY_API_KEY: 'abc' },
      timeoutMs: 30_000,
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/API_KEY_TOO_SHORT.*MAILFERRY_API_KEY/);
    const dir = tmp();
    writeFileSync(path.join(dir, 'api-key'), '');
    const empty = await mailferry(['serve', '--data', dir, '--port', '0'], { timeoutMs: 30_000 });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/API_KEY_TOO_SHORT.*empty/);
  }, 60_000);
});

describe('the running host', () => {
  let host: Host;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = path.join(tmp(), 'fresh');
    host = await startHost({
      appRoot: projectRoot,
      appModule: fixtureApp,
      dataDir,
      port: 0,
      apiKey: KEY,
      hostOverrides: { routePrefix: 'api' },
    });
  }, 30_000);
  afterAll(() => host?.stop());

  test('creates its data folder 0700', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  test('answers only requests addressed to a loopback name (DNS rebinding)', async () => {
    const port = new URL(host.url).port;
    const get = (hostHeader: string): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/api/health', headers: { host: hostHeader } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
    expect(await get(`rebind.attacker.example:${port}`)).toBe(421);
    expect(await get(`127.0.0.1.attacker.example`)).toBe(421);
    expect(await get(`127.0.0.1:${port}`)).toBe(200);
    expect(await get(`localhost:${port}`)).toBe(200);
  });

  test('an empty API key cannot open the routes', async () => {
    await expect(
      startHost({ appRoot: projectRoot, appModule: fixtureApp, port: 0, apiKey: '' }),
    ).rejects.toThrow(/empty/);
  }, 30_000);

  test('the durable management API needs its token', async () => {
    const withToken = new URL('instances', host.managementUrl);
    expect((await fetch(withToken)).status).toBe(200);
    const token = withToken.pathname.split('/')[1] as string;
    expect(token.length).toBeGreaterThanOrEqual(24);
    const without = new URL(withToken.pathname.replace(`/${token}/`, '/'), withToken);
    expect((await fetch(without)).status).toBe(401);
    const guessed = new URL(withToken.pathname.replace(token, 'x'.repeat(token.length)), withToken);
    expect((await fetch(guessed)).status).toBe(401);
  });
});
