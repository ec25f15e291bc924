import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { services } from '../../shared/app/services';
import { provisionMicrosoft365 } from '../../shared/migration/microsoft365';
import { batchMailboxSecretName, parseSecretRef, secretRef } from '../../shared/secrets/refs';
import { startGraphStandin, type GraphStandin } from '../../testing/graph-standin';
import { useAzurite } from '../../testing/jest/azurite';

/**
 * A staged CSV password is set on the Microsoft 365 user once. Provisioning looks at a user again on
 * every retry and every later run; none of those may reset a password the user has changed since.
 * Against the Graph stand-in (it follows Graph's documented behaviour; it is not Microsoft Graph).
 */
const storage = useAzurite();
const CLIENT_ID = '44444444-4444-4444-4444-444444444444';
const CLIENT_SECRET = 'stand-in-client-secret-value';
const PASSWORD = 'Staged-Passw0rd!';
let graph: GraphStandin;

beforeAll(async () => {
  graph = await startGraphStandin({
    apps: [{ clientId: CLIENT_ID, secret: CLIENT_SECRET }],
    domains: [{ id: 'contoso.test', isVerified: true, isDefault: true }],
    users: [{ userPrincipalName: 'dana@contoso.test', usageLocation: 'GB', onPremisesSyncEnabled: false }],
  });
});
afterAll(async () => {
  await graph?.stop();
});

test('a staged password is applied once, recorded on the mailbox, and its secret deleted; a retry leaves the user alone', async () => {
  const svc = services({
    AzureWebJobsStorage: storage().connectionString,
    MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-staged-')),
    M365_TENANT_ID: graph.tenantId,
    M365_CLIENT_ID: CLIENT_ID,
    M365_CLIENT_SECRET: CLIENT_SECRET,
    M365_AUTHORITY_HOST: graph.authorityHost,
    M365_GRAPH_BASE_URL: graph.url,
  });
  const batch = await svc.state.batches.create({ name: 'staged', sourceEndpoint: 'source', target: 'm365' });
  const name = batchMailboxSecretName(batch.id, 'dana@contoso.test');
  await svc.secrets.set(name, PASSWORD);
  await svc.state.mailboxes.addMany(batch.id, [
    {
      email: 'dana@contoso.test',
      status: 'Queued',
      passwordRef: secretRef(name),
      forceChangePassword: false,
    },
  ]);
  const endpoint = { name: 'm365', type: 'graph' as const, settings: {} } as Parameters<
    typeof provisionMicrosoft365
  >[1];
  const user = () => [...graph.state.users.values()].find((u) => u.userPrincipalName === 'dana@contoso.test');

  const first = await provisionMicrosoft365(
    svc,
    endpoint,
    await svc.state.mailboxes.get(batch.id, 'dana@contoso.test'),
    1,
  );
  expect(first).toEqual({ ready: true });
  expect(user()?.passwordChanges).toHaveLength(1);
  const row = await svc.state.mailboxes.get(batch.id, 'dana@contoso.test');
  expect(row.passwordAppliedAt).toEqual(expect.any(String));
  expect(row.passwordRef).toBeUndefined();
  expect(await svc.secrets.get(parseSecretRef(secretRef(name)))).toBeUndefined();

  // The activity is retried (its reply was lost) or the batch is started again: no second reset.
  await svc.secrets.set(name, PASSWORD); // as if the delete had not happened yet
  await provisionMicrosoft365(svc, endpoint, await svc.state.mailboxes.get(batch.id, 'dana@contoso.test'), 1);
  await provisionMicrosoft365(svc, endpoint, await svc.state.mailboxes.get(batch.id, 'dana@contoso.test'), 2);
  expect(user()?.passwordChanges).toHaveLength(1);
}, 60000);
