import { createHash } from 'node:crypto';
import {
  applyStagedPassword,
  assignLicence,
  checkMailboxReady,
  findTargetUser,
  getTargetUser,
  graphReportTransport,
  preflightTenant,
  GraphMailTarget,
} from '../../shared/graph';
import { startGraphStandin } from '../../testing/graph-standin';
import { CLIENT_ID, TEST_SECRET, clientFor, useStandin } from '../../testing/jest/graph';

const SKU = '4b9405b0-7788-4568-add1-99614e613b69';

describe('tenant preflight', () => {
  const standin = useStandin({
    domains: [{ id: 'contoso.com' }, { id: 'fabrikam.com', isVerified: false }],
  });

  it('passes when directory sync is on and every batch domain is verified', async () => {
    const result = await preflightTenant(clientFor(standin()), ['ada@contoso.com', 'Bob@CONTOSO.com']);
    expect(result.domainsChecked).toEqual(['contoso.com']);
  });

  it('names an unverified and an unknown domain with the fix for each', async () => {
    const err = await preflightTenant(clientFor(standin()), [
      'a@contoso.com',
      'b@fabrikam.com',
      'c@tailspin.com',
    ]).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'GRAPH_PREFLIGHT_DOMAIN_NOT_VERIFIED',
      details: { domains: ['fabrikam.com', 'tailspin.com'] },
    });
    expect((err as Error).message).toMatch(/add tailspin\.com to the tenant/);
    expect((err as Error).message).toMatch(/finish verifying fabrikam\.com/);
  });

  it('fails with the directory sync fix when sync is off', async () => {
    const off = await startGraphStandin({
      apps: [{ clientId: CLIENT_ID, secret: TEST_SECRET }],
      organization: { onPremisesSyncEnabled: null },
    });
    try {
      const err = await preflightTenant(clientFor(off), ['a@contoso.com']).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GRAPH_PREFLIGHT_DIRSYNC_OFF' });
      expect((err as Error).message).toMatch(/Entra Connect/);
    } finally {
      await off.stop();
    }
  });
});

describe('target users', () => {
  const standin = useStandin({
    skus: [{ skuId: SKU, skuPartNumber: 'EXCHANGESTANDARD' }],
    mailboxDelayMs: 150,
    users: [
      {
        userPrincipalName: 'ada@contoso.onmicrosoft.com',
        mail: 'ada@contoso.com',
        onPremisesSyncEnabled: true,
      },
      {
        userPrincipalName: 'bob@contoso.com',
        mail: 'bob@contoso.com',
        proxyAddresses: ['SMTP:bob@contoso.com', 'smtp:robert@contoso.com'],
      },
      { userPrincipalName: 'cleo@contoso.com', hasMailbox: false },
      { userPrincipalName: 'dan@contoso.com', hasMailbox: false, usageLocation: null },
      { userPrincipalName: 'eve@contoso.com', mail: null, proxyAddresses: [] },
    ],
  });

  it('finds a user by mail, by secondary proxy address and by UPN', async () => {
    const client = clientFor(standin());
    expect((await findTargetUser(client, 'ADA@contoso.com')).userPrincipalName).toBe(
      'ada@contoso.onmicrosoft.com',
    );
    expect((await findTargetUser(client, 'robert@contoso.com')).userPrincipalName).toBe('bob@contoso.com');
    expect((await findTargetUser(client, 'ada@contoso.onmicrosoft.com')).mail).toBe('ada@contoso.com');
  });

  it('reports a missing user and a user that is not mail-enabled with what to do', async () => {
    const client = clientFor(standin());
    await expect(findTargetUser(client, 'nobody@contoso.com')).rejects.toMatchObject({
      code: 'GRAPH_USER_NOT_FOUND',
      message: expect.stringMatching(/directory sync/),
    });
    // eve has no mail attribute but is found by UPN
    await expect(findTargetUser(client, 'eve@contoso.com')).rejects.toMatchObject({
      code: 'GRAPH_USER_NOT_MAIL_ENABLED',
    });
  });

  it('licenses a user without a mailbox and the mailbox appears after polling', async () => {
    const client = clientFor(standin());
    let user = await findTargetUser(client, 'cleo@contoso.com');
    expect(checkMailboxReady(user, 1)).toMatchObject({ ready: false, state: 'no-licence' });
    expect(await assignLicence(client, user, SKU)).toBe('assigned');
    // The orchestrator waits with durable timers; here a short real wait stands in for them.
    let attempt = 1;
    for (;;) {
      user = await getTargetUser(client, user.id);
      const readiness = checkMailboxReady(user, attempt, { intervalSeconds: 0.05, maxAttempts: 50 });
      if (readiness.ready) break;
      attempt++;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(attempt).toBeGreaterThan(1);
    expect(await assignLicence(client, user, SKU)).toBe('already-assigned');
    const folders = await new GraphMailTarget(client, { userId: user.id }).listFolders();
    expect(folders.find((f) => f.role === 'inbox')?.path).toBe('Inbox');
  });

  it('stops polling after the bounded number of checks with an actionable error', () => {
    const pending = {
      id: 'x',
      userPrincipalName: 'x@contoso.com',
      mail: 'x@contoso.com',
      proxyAddresses: [],
      usageLocation: 'US',
      onPremisesSyncEnabled: true,
      assignedLicenses: [],
      provisionedPlans: [
        { service: 'exchange', capabilityStatus: 'Enabled', provisioningStatus: 'PendingInput' },
      ],
    };
    expect(() => checkMailboxReady(pending, 30)).toThrow(
      expect.objectContaining({ code: 'GRAPH_MAILBOX_NOT_PROVISIONED' }),
    );
  });

  it('asks for a usage location before licensing, and for a known SKU', async () => {
    const client = clientFor(standin());
    const dan = await findTargetUser(client, 'dan@contoso.com');
    await expect(assignLicence(client, dan, SKU)).rejects.toMatchObject({
      code: 'GRAPH_USAGE_LOCATION_MISSING',
    });
    const bob = await findTargetUser(client, 'bob@contoso.com');
    await expect(assignLicence(client, bob, '11111111-2222-3333-4444-555555555555')).rejects.toMatchObject({
      code: 'GRAPH_LICENCE_SKU_UNKNOWN',
      message: expect.stringMatching(/EXCHANGESTANDARD/),
    });
  });

  it('applies the CSV password to a cloud user with ForceChangePassword, warns for a synced one', async () => {
    const client = clientFor(standin());
    const bob = await findTargetUser(client, 'bob@contoso.com');
    await expect(applyStagedPassword(client, bob, 'N3w-Passw0rd!', true)).resolves.toEqual({
      applied: true,
      forceChangePassword: true,
    });
    const recorded = standin().state.users.get(bob.id)!.passwordChanges;
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      forceChangePasswordNextSignIn: true,
      sha256: createHash('sha256').update('N3w-Passw0rd!').digest('hex'),
    });

    const ada = await findTargetUser(client, 'ada@contoso.com');
    const synced = await applyStagedPassword(client, ada, 'N3w-Passw0rd!', false);
    expect(synced).toMatchObject({ applied: false, warning: { code: 'GRAPH_PASSWORD_MANAGED_ON_PREMISES' } });
    expect(standin().state.users.get(ada.id)!.passwordChanges).toHaveLength(0);

    const weak = await applyStagedPassword(client, bob, 'password', false).catch((e: unknown) => e);
    expect(weak).toMatchObject({ code: 'GRAPH_PASSWORD_REJECTED' });
    expect(JSON.stringify(weak)).not.toContain('password"');
  });

  it('sends a report with attachments from the sender mailbox', async () => {
    const client = clientFor(standin());
    const transport = graphReportTransport(client, 'bob@contoso.com');
    const csv = Buffer.from('EmailAddress,Status\r\nada@contoso.com,Synced\r\n');
    await transport.send({
      to: ['admin@contoso.com'],
      subject: 'Batch B1: 1 synced',
      html: '<p>done</p>',
      text: 'done',
      attachments: [{ name: 'statistics.csv', contentType: 'text/csv', content: csv }],
    });
    const sent = standin().state.sentMail.at(-1)!;
    expect(sent.from).toBe('bob@contoso.com');
    expect(sent.message.subject).toBe('Batch B1: 1 synced');
    expect(sent.attachments.map((a) => [a.name, a.bytes.equals(csv)])).toEqual([['statistics.csv', true]]);
  });
});
