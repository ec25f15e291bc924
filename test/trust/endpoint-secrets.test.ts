/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely; the assertions check their shape */
import { createServer, type Server } from 'node:net';
import type { Host } from '../../local/host';
import { services } from '../../shared/app/services';
import { passwordFor } from '../../shared/migration/connectors';
import { endpointSecretName, parseSecretRef } from '../../shared/secrets/refs';
import { apiFor, startApp } from '../../testing/jest/app';
import { deadPort } from '../../testing/jest/cli';

/** Endpoint passwords stay with the server they were given for, and a refused request never replaces them. */
const KEY = 'endpoint-secrets-key-0123456789';
let host: Host;
const api = apiFor(() => host, KEY);

beforeAll(async () => {
  host = await startApp(KEY);
}, 30_000);
afterAll(() => host?.stop());

const imap = (port: number, extra: object = {}): object => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  admin: { user: 'admin' },
  ...extra,
});
const livePassword = async (name: string): Promise<string | undefined> => {
  const svc = services();
  return passwordFor(svc, await svc.state.endpoints.get(name), undefined);
};

test('clear text is allowed only to this machine', async () => {
  const refused = await api('POST', 'endpoints', {
    name: 'far',
    type: 'imap',
    settings: { host: 'mail.contoso.com', port: 143, security: 'none' },
    password: 'Far-Passw0rd-1',
  });
  expect(refused.status).toBe(400);
  expect(refused.json).toMatchObject({ code: 'ENDPOINT_INSECURE', field: 'settings.security' });
  expect(refused.json.message).toMatch(/"tls".*"starttls"/);
  expect((await api('GET', 'endpoints')).json.endpoints).toEqual([]);

  const created = await api('POST', 'endpoints', { name: 'near', type: 'imap', settings: imap(1) });
  expect(created.status).toBe(201);
  const moved = await api('PUT', 'endpoints/near', {
    settings: { host: 'mail.contoso.com', security: 'none' },
  });
  expect(moved.json.code).toBe('ENDPOINT_INSECURE');
});

test('a refused create or update never replaces the password in use', async () => {
  expect(
    (
      await api('POST', 'endpoints', {
        name: 'src',
        type: 'imap',
        settings: imap(1),
        password: 'First-Passw0rd',
      })
    ).status,
  ).toBe(201);
  // Same name again: refused, and the first password is still the one used.
  const taken = await api('POST', 'endpoints', {
    name: 'SRC',
    type: 'imap',
    settings: imap(2),
    password: 'Hijack-Passw0rd',
  });
  expect(taken.status).toBe(409);
  expect(await livePassword('src')).toBe('First-Passw0rd');
  // An update with bad settings and a new password: refused, nothing changes.
  const bad = await api('PUT', 'endpoints/src', { settings: { port: 2 }, password: 'Other-Passw0rd' });
  expect(bad.status).toBe(400);
  expect(await livePassword('src')).toBe('First-Passw0rd');
  // Settings that do not move the endpoint keep the password without sending it again.
  const limit = await api('PUT', 'endpoints/src', { maxConcurrentMigrations: 3 });
  expect(limit.status).toBe(200);
  expect(await livePassword('src')).toBe('First-Passw0rd');
});

test('moving an endpoint to another host, port or security needs its password again', async () => {
  for (const settings of [imap(1, { host: 'localhost' }), imap(2), imap(1, { security: 'starttls' })]) {
    const moved = await api('PUT', 'endpoints/src', { settings });
    expect(moved.status).toBe(400);
    expect(moved.json).toMatchObject({ code: 'ENDPOINT_PASSWORD_REQUIRED', field: 'password' });
    expect(moved.json.message).toMatch(/send "password" again/);
  }
  const unchanged = (await api('GET', 'endpoints')).json.endpoints.find((e: any) => e.name === 'src');
  expect(unchanged.settings).toMatchObject({ host: '127.0.0.1', port: 1, security: 'none' });

  const before = (await services().state.endpoints.get('src')).secretRef as string;
  const moved = await api('PUT', 'endpoints/src', { settings: imap(2), password: 'Second-Passw0rd' });
  expect(moved.status).toBe(200);
  expect(JSON.stringify(moved.json)).not.toContain('Second-Passw0rd');
  expect(await livePassword('src')).toBe('Second-Passw0rd');
  // The password given for the old server is gone from the secret store.
  expect(await services().secrets.get(parseSecretRef(before))).toBeUndefined();

  const after = (await services().state.endpoints.get('src')).secretRef as string;
  expect((await api('DELETE', 'endpoints/src')).status).toBe(204);
  expect(await services().secrets.get(parseSecretRef(after))).toBeUndefined();
});

describe('the endpoint test is not a port scanner', () => {
  const servers: Server[] = [];
  const listen = (onConnect: (socket: import('node:net').Socket) => void): Promise<number> =>
    new Promise((resolve) => {
      const server = createServer(onConnect);
      servers.push(server);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  afterAll(() => {
    for (const s of servers) {
      s.close();
    }
  });

  async function testAt(port: number): Promise<{ status: number; json: any; ms: number }> {
    await api('PUT', 'endpoints/probe', { settings: imap(port), password: 'Probe-Passw0rd' });
    const started = Date.now();
    const answer = await api('POST', 'endpoints/probe/test', {});
    return { ...answer, ms: Date.now() - started };
  }

  test('closed, silent and non-IMAP ports all give the same answer, without what answered', async () => {
    await api('POST', 'endpoints', {
      name: 'probe',
      type: 'imap',
      settings: imap(1),
      password: 'Probe-Passw0rd',
    });
    const closed = await testAt(await deadPort());
    const banner = await testAt(
      await listen((s) => s.end('SSH-2.0-OpenSSH_9.6 internal-build-server-7\r\n')),
    );
    const reset = await testAt(await listen((s) => s.resetAndDestroy()));
    const silent = await testAt(await listen(() => undefined));
    for (const answer of [closed, banner, reset, silent]) {
      expect(answer.status).toBe(502);
      expect(answer.json).toEqual({
        hint: expect.stringMatching(/^Check the host, port and security/),
        code: 'ENDPOINT_UNREACHABLE',
        message: expect.stringMatching(/^Could not connect to the IMAP server of endpoint "probe"/),
        endpoint: 'probe',
      });
    }
    expect(JSON.stringify(banner.json)).not.toMatch(/SSH|OpenSSH|internal-build/);
    // A server that never answers is given up on in bounded time.
    expect(silent.ms).toBeLessThan(12_000);
  }, 40_000);
});

test('an endpoint refused for its settings leaves none of its passwords in the secret store', async () => {
  // A Graph endpoint takes no contacts-and-calendars login: the settings are refused as a whole,
  // before the dav password given with them is written anywhere.
  const refused = await api('POST', 'endpoints', {
    name: 'tenant',
    type: 'graph',
    settings: { dav: { url: 'https://dav.contoso.com/' } },
    pimPasswords: { dav: 'Dav-Passw0rd-1' },
  });
  expect(refused.status).toBe(400);
  expect(refused.json).toMatchObject({ code: 'ENDPOINT_INVALID' });
  expect(await services().secrets.get(`${endpointSecretName('tenant')}-dav`)).toBeUndefined();
});
