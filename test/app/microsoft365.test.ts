/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import type { Host } from '../../local/host';
import { startGraphStandin, type GraphStandin } from '../../testing/graph-standin';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { apiFor, batchReaching, imapAs, startApp } from '../../testing/jest/app';

/**
 * A batch into Microsoft 365, against the local Graph stand-in (it follows Graph's documented
 * behaviour; it is not Microsoft Graph): tenant preflight, a user without a mailbox licensed and
 * waited for, a staged password applied to a cloud user, mail created in the Graph mailbox, a user
 * missing from the tenant failed with what to fix, and the report sent through Graph sendMail.
 */
const KEY = 'microsoft365-test-key-0001';
const CLIENT_ID = '33333333-3333-3333-3333-333333333333';
const CLIENT_SECRET = 'stand-in-client-secret-value';
const SKU = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const PASSWORD = 'N3w-Cloud-Passw0rd!';
let host: Host;
let source: RunningDovecot;
let graph: GraphStandin;
const api = apiFor(() => host, KEY);

beforeAll(async () => {
  source = await startDovecot();
  for (const u of ['alice@contoso.test', 'bob@contoso.test', 'carol@contoso.test']) source.addUser(u, 'x');
  await new Promise((r) => setTimeout(r, 1100)); // Dovecot re-reads its passwd-file at most once a second
  const alice = await imapAs(source, 'alice@contoso.test');
  for (const n of [1, 2])
    await alice.append(
      'INBOX',
      `From: x@fabrikam.test\r\nSubject: note ${n}\r\nMessage-ID: <n${n}@x>\r\n\r\nbody ${n}\r\n`,
      ['\\Seen'],
    );
  await alice.logout();

  graph = await startGraphStandin({
    apps: [{ clientId: CLIENT_ID, secret: CLIENT_SECRET }],
    organization: { displayName: 'Contoso', onPremisesSyncEnabled: true },
    domains: [{ id: 'contoso.test', isVerified: true, isDefault: true }],
    skus: [
      {
        skuId: SKU,
        skuPartNumber: 'EXCHANGESTANDARD',
        includesExchange: true,
        prepaidUnits: { enabled: 10 },
      },
    ],
    users: [
      { userPrincipalName: 'alice@contoso.test', usageLocation: 'GB', onPremisesSyncEnabled: false },
      { userPrincipalName: 'bob@contoso.test', usageLocation: 'GB', hasMailbox: false },
      { userPrincipalName: 'admin@contoso.test' },
    ],
    mailboxDelayMs: 300,
  });
  host = await startApp(KEY, {
    settings: {
      M365_TENANT_ID: graph.tenantId,
      M365_CLIENT_ID: CLIENT_ID,
      M365_CLIENT_SECRET: CLIENT_SECRET,
      M365_AUTHORITY_HOST: graph.authorityHost,
      M365_GRAPH_BASE_URL: graph.url,
      M365_LICENSE_SKU_ID: SKU,
      REPORT_SENDER: 'admin@contoso.test',
      REPORT_RECIPIENTS: 'it@contoso.test',
    },
  });
  const created = [
    await api('POST', 'endpoints', {
      name: 'source',
      type: 'imap',
      settings: { host: source.host, port: source.port, security: 'none', admin: { user: 'admin' } },
      password: source.admin.password,
    }),
    await api('POST', 'endpoints', { name: 'm365', type: 'graph', settings: { mailboxWaitSeconds: 1 } }),
  ];
  expect(created.map((c) => c.status)).toEqual([201, 201]);
}, 60000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), graph?.stop()]);
});

test('the Graph endpoint test reaches the tenant', async () => {
  const tested = await api('POST', 'endpoints/m365/test', {});
  expect(tested.json).toMatchObject({ ok: true, tenant: 'Contoso', directorySync: true });
});

test('a staged batch into Microsoft 365: licensed, waited for, password applied, mail created, report mailed', async () => {
  const csv = `EmailAddress,Password,ForceChangePassword\r\nalice@contoso.test,${PASSWORD},True\r\nbob@contoso.test,,\r\ncarol@contoso.test,,\r\n`;
  const created = await api(
    'POST',
    'batches?name=m365-wave&sourceEndpoint=source&target=m365&autoStart=true',
    csv,
  );
  expect(created.status).toBe(201);
  const batch = await batchReaching(
    api,
    created.json.batch.id,
    ['Synced', 'SyncedWithErrors', 'Failed'],
    90_000,
  );
  expect(batch.status).toBe('SyncedWithErrors');

  const { json } = await api('GET', `batches/${batch.id}/mailboxes`);
  const rows = Object.fromEntries(json.items.map((m: any) => [m.email, m]));
  expect(rows['alice@contoso.test']).toMatchObject({ status: 'Synced', itemsSynced: 2 });
  expect(rows['bob@contoso.test'].status).toBe('Synced'); // licensed during provisioning, then waited for
  expect(rows['carol@contoso.test'].status).toBe('Failed');
  expect(rows['carol@contoso.test'].lastError.message).toMatch(/carol@contoso\.test/);

  const users = [...graph.state.users.values()];
  const alice = users.find((u) => u.userPrincipalName === 'alice@contoso.test')!;
  const bob = users.find((u) => u.userPrincipalName === 'bob@contoso.test')!;
  expect(bob.assignedLicenses.map((l) => l.skuId)).toEqual([SKU]);
  expect(alice.passwordChanges).toEqual([expect.objectContaining({ forceChangePasswordNextSignIn: true })]);
  const subjects = [...graph.state.mailboxes.get(alice.id)!.messages.values()]
    .map((m) => m.fields.subject)
    .sort();
  expect(subjects).toEqual(['note 1', 'note 2']);

  // The status mail after provisioning, then the final report (written just after the status settles).
  for (let i = 0; i < 100 && graph.state.sentMail.length < 2; i++)
    await new Promise((r) => setTimeout(r, 100));
  const mailed = graph.state.sentMail.filter((m) => m.from === 'admin@contoso.test');
  expect(mailed.map((m) => m.message.subject)).toEqual([
    expect.stringMatching(/provisioned, 2 set up, 1 failed/),
    expect.stringMatching(/m365-wave/),
  ]);
  expect(mailed.flatMap((m) => m.attachments.map((a) => a.name))).toEqual(
    expect.arrayContaining(['statistics.csv']),
  );
  expect(JSON.stringify(mailed.map((m) => m.message))).not.toContain(PASSWORD);
}, 120000);

test("a batch with an address outside the tenant's verified domains fails preflight with what to fix", async () => {
  const created = await api(
    'POST',
    'batches?name=foreign&sourceEndpoint=source&target=m365&autoStart=true',
    'EmailAddress\r\ndave@fabrikam.test\r\n',
  );
  const batch = await batchReaching(api, created.json.batch.id, ['Failed', 'Synced', 'SyncedWithErrors']);
  expect(batch.status).toBe('Failed');
  expect(batch.lastError.message).toMatch(/fabrikam\.test/);
});
