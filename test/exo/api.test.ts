import type { Host } from '../../local/host';
import { apiFor, batchReaching, startApp } from '../../testing/jest/app';
import { startOAuthDovecot } from '../../testing/mail/dovecot-oauth';
import { CLIENT_ID, TEST_SECRET } from '../../testing/jest/graph';
import { useExchangeOnline } from './exo-harness';

/** The API takes microsoft365 endpoints (and xoauth2 IMAP ones) with the same checks as `mailferry run`. */
const KEY = 'exo-api-test-key-0123456789';
const SECRET = 'app-client-secret-value-42';
let host: Host;
const api = apiFor(() => host, KEY);
const NO_IMAP_APP = '33333333-3333-3333-3333-333333333333';
const exo = useExchangeOnline({
  standin: {
    organization: { displayName: 'Contoso', onPremisesSyncEnabled: true },
    users: [{ userPrincipalName: 'alice@contoso.com' }],
    apps: [
      { clientId: CLIENT_ID, secret: TEST_SECRET },
      { clientId: NO_IMAP_APP, secret: TEST_SECRET, exchangeRoles: ['SMTP.SendAsApp'] },
    ],
  },
});

beforeAll(async () => {
  host = await startApp(KEY);
}, 30000);
afterAll(() => host?.stop());

test('a microsoft365 endpoint: settings checked field by field, the secret never answered', async () => {
  const missing = await api('POST', 'endpoints', { name: 'm365', type: 'microsoft365', settings: {} });
  expect(missing.status).toBe(400);
  expect(missing.json).toMatchObject({ code: 'ENDPOINT_INVALID', field: 'settings.tenantId' });
  const badTransport = await api('POST', 'endpoints', {
    name: 'm365',
    type: 'microsoft365',
    settings: { tenantId: 'contoso.onmicrosoft.com', clientId: 'c', mailTransport: 'smtp' },
  });
  expect(badTransport.json).toMatchObject({ code: 'ENDPOINT_INVALID', field: 'settings.mailTransport' });
  const pasted = await api('POST', 'endpoints', {
    name: 'm365',
    type: 'microsoft365',
    settings: { tenantId: 'contoso.onmicrosoft.com', clientId: 'c', clientSecret: SECRET },
  });
  expect(pasted.status).toBe(400);
  expect(JSON.stringify(pasted.json)).not.toContain(SECRET);

  const created = await api('POST', 'endpoints', {
    name: 'm365',
    type: 'microsoft365',
    settings: {
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '11111111-2222-3333-4444-555555555555',
      credential: 'secret',
      imap: { connections: 2 },
    },
    password: SECRET,
  });
  expect(created.status).toBe(201);
  expect(JSON.stringify(created.json)).not.toContain(SECRET);
  const badUpdate = await api('PUT', 'endpoints/m365', {
    settings: { tenantId: 't', clientId: 'c', imap: { port: 0 } },
  });
  expect(badUpdate.json).toMatchObject({ code: 'ENDPOINT_INVALID', field: 'settings.imap.port' });
});

test('an imap endpoint with auth xoauth2 carries its oauth block', async () => {
  const bad = await api('POST', 'endpoints', {
    name: 'exo-imap',
    type: 'imap',
    settings: { host: 'outlook.office365.com', auth: 'xoauth2', oauth: { tenantId: 't' } },
  });
  expect(bad.status).toBe(400);
  expect(bad.json.message).toMatch(/oauth\.clientId/);
  const ok = await api('POST', 'endpoints', {
    name: 'exo-imap',
    type: 'imap',
    settings: {
      host: 'outlook.office365.com',
      auth: 'xoauth2',
      oauth: { tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-3333-4444-555555555555' },
    },
    password: SECRET,
  });
  expect(ok.status).toBe(201);
});

test('testing a microsoft365 endpoint signs in to Graph and, given a mailbox, logs in to it over IMAP', async () => {
  exo().imap.addUser('alice@contoso.com', 'pw');
  const settings = (clientId: string) => ({
    tenantId: exo().standin.tenantId,
    clientId,
    credential: 'secret',
    authorityHost: exo().standin.authorityHost,
    graphBaseUrl: exo().standin.url,
    imap: { host: exo().proxy.host, port: exo().proxy.port, security: 'none' },
  });
  for (const [name, clientId] of [
    ['tenant', CLIENT_ID],
    ['no-imap', NO_IMAP_APP],
  ])
    expect(
      (
        await api('POST', 'endpoints', {
          name,
          type: 'microsoft365',
          settings: settings(clientId!),
          password: TEST_SECRET,
        })
      ).status,
    ).toBe(201);
  const ok = await api('POST', 'endpoints/tenant/test', { emailAddress: 'alice@contoso.com' });
  expect(ok.status).toBe(200);
  expect(ok.json).toMatchObject({ ok: true, tenant: 'Contoso', mailboxChecked: 'alice@contoso.com' });
  const refused = await api('POST', 'endpoints/no-imap/test', { emailAddress: 'alice@contoso.com' });
  expect(refused.status).toBe(422);
  expect(refused.json).toMatchObject({
    code: 'EXO_IMAP_PERMISSION_MISSING',
    message: expect.stringContaining('IMAP.AccessAsApp'),
  });
  expect(JSON.stringify(refused.json)).not.toContain(TEST_SECRET);
}, 60000);

test('a batch whose app Exchange refuses on every mailbox stops at preflight, saying to create the service principal', async () => {
  // An Exchange that trusts another tenant's tokens only: to it, this app has no service principal.
  const stranger = await startOAuthDovecot({
    tokenKey: exo().standin.exchangeTokenKey,
    tenantId: 'another-tenant',
  });
  try {
    stranger.addUser('alice@contoso.com', 'pw');
    const source = exo().imap;
    expect(
      (
        await api('POST', 'endpoints', {
          name: 'old',
          type: 'imap',
          settings: {
            host: source.host,
            port: source.port,
            security: 'none',
            admin: { user: source.admin.user },
          },
          password: source.admin.password,
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await api('POST', 'endpoints', {
          name: 'no-sp',
          type: 'microsoft365',
          settings: {
            tenantId: exo().standin.tenantId,
            clientId: CLIENT_ID,
            credential: 'secret',
            authorityHost: exo().standin.authorityHost,
            graphBaseUrl: exo().standin.url,
            imap: { host: stranger.host, port: stranger.port, security: 'none' },
          },
          password: TEST_SECRET,
        })
      ).status,
    ).toBe(201);
    const created = await api(
      'POST',
      'batches?name=nosp&sourceEndpoint=old&target=no-sp&autoStart=true',
      'EmailAddress\r\nalice@contoso.com\r\n',
    );
    expect(created.status).toBe(201);
    const batch = await batchReaching(api, created.json.batch.id, ['Failed', 'Synced', 'SyncedWithErrors']);
    expect(batch.status).toBe('Failed');
    expect(batch.lastError).toMatchObject({
      code: 'EXO_SERVICE_PRINCIPAL_MISSING',
      message: expect.stringMatching(/New-ServicePrincipal -AppId 22222222-2222-2222-2222-222222222222/),
    });
  } finally {
    await stranger.stop();
  }
}, 90000);
