/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely here; the assertions check their shape */
import { chromium } from 'playwright-core';
import type { Host } from '../../local/host';
import { services } from '../../shared/app/services';
import { ForwardingStore } from '../../shared/cutover/forwarding-store';
import { startDnsServer, type RunningDnsServer } from '../../testing/dns-server';
import { startGraphStandin, type GraphStandin } from '../../testing/graph-standin';
import { apiFor, batchGone, batchReaching, startApp } from '../../testing/jest/app';
import { mailferry } from '../../testing/jest/cli';
import { startDovecot, type RunningDovecot } from '../../testing/mail/dovecot';
import { startSlapd, type RunningSlapd } from '../../testing/slapd';

/**
 * A batch into Microsoft 365 (the Graph stand-in) with its source directory in a real slapd and DNS
 * from a loopback server: provisioning sets forwarding before the status mail, completion writes
 * the conversion pack and the DNS findings into the completion report, the batch page's readiness
 * API says what is left, and removing the batch puts the old targetAddress values back.
 */
const KEY = 'cutover-test-key-00000001';
const CLIENT_ID = '44444444-4444-4444-4444-444444444444';
const CLIENT_SECRET = 'stand-in-client-secret-cutover';
let host: Host;
let source: RunningDovecot;
let graph: GraphStandin;
let slapd: RunningSlapd;
let dns: RunningDnsServer;
const api = apiFor(() => host, KEY);

beforeAll(async () => {
  slapd = await startSlapd([
    { cn: 'alice', mail: 'alice@contoso.test', mailNickname: 'alice' },
    {
      cn: 'bob',
      mail: 'bob@contoso.test',
      mailNickname: 'bob',
      targetAddress: 'SMTP:bob@relay.contoso.test',
    },
    { cn: 'carol', mail: 'carol@contoso.test', mailNickname: 'carol' },
  ]);
  dns = await startDnsServer({
    // MX still at the old server, Autodiscover already moved, no SPF at all.
    'contoso.test': { MX: [{ exchange: 'mail.contoso.test', priority: 10 }] },
    'autodiscover.contoso.test': { CNAME: 'autodiscover.outlook.com' },
  });
  source = await startDovecot();
  for (const u of ['alice@contoso.test', 'bob@contoso.test']) source.addUser(u, 'x');
  await new Promise((r) => setTimeout(r, 1100)); // Dovecot re-reads its passwd-file at most once a second
  graph = await startGraphStandin({
    apps: [{ clientId: CLIENT_ID, secret: CLIENT_SECRET }],
    domains: [{ id: 'contoso.test', isVerified: true, isDefault: true }],
    users: [
      { userPrincipalName: 'admin@contoso.test' },
      ...['alice', 'bob'].map((u) => ({
        userPrincipalName: `${u}@contoso.test`,
        proxyAddresses: [
          `SMTP:${u}@contoso.test`,
          `smtp:${u}@contoso.mail.onmicrosoft.com`,
          `smtp:${u}@contoso.onmicrosoft.com`,
        ],
      })),
    ],
  });
  host = await startApp(KEY, {
    settings: {
      M365_TENANT_ID: graph.tenantId,
      M365_CLIENT_ID: CLIENT_ID,
      M365_CLIENT_SECRET: CLIENT_SECRET,
      M365_AUTHORITY_HOST: graph.authorityHost,
      M365_GRAPH_BASE_URL: graph.url,
      MAILFERRY_DNS_SERVERS: dns.address,
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
    await api('POST', 'endpoints', {
      name: 'ad',
      type: 'ldap',
      settings: {
        url: slapd.url,
        security: 'none',
        bindDn: slapd.writer.dn,
        baseDn: slapd.baseDn,
        findBy: 'mail',
      },
      password: slapd.writer.password,
    }),
  ];
  expect(created.map((c) => c.status)).toEqual([201, 201, 201]);
}, 90000);

afterAll(async () => {
  await host?.stop();
  await Promise.all([source?.stop(), graph?.stop(), slapd?.stop(), dns?.stop()]);
});

test('a directory endpoint is checked when created and tested with a bind and a search', async () => {
  expect((await api('POST', 'endpoints/ad/test', {})).json).toMatchObject({ ok: true, baseDn: slapd.baseDn });
  const bad = await api('POST', 'endpoints', {
    name: 'ad-bad',
    type: 'ldap',
    settings: { url: 'http://dc.contoso.test', bindDn: 'x', baseDn: 'y' },
  });
  expect(bad.status).toBe(400);
  expect(bad.json).toMatchObject({ code: 'ENDPOINT_INVALID', field: 'settings.url' });
  // the bind password never lands in the endpoint row
  const listed = await api('GET', 'endpoints');
  expect(JSON.stringify(listed.json)).not.toContain(slapd.writer.password);
  // Updated like any endpoint: a wrong password shows at the next test, the right one fixes it.
  expect((await api('PUT', 'endpoints/ad', { password: 'not-the-password' })).status).toBe(200);
  expect((await api('POST', 'endpoints/ad/test', {})).json).toMatchObject({ code: 'DIRECTORY_BIND_FAILED' });
  expect((await api('PUT', 'endpoints/ad', { password: slapd.writer.password })).status).toBe(200);
  expect((await api('POST', 'endpoints/ad/test', {})).json).toMatchObject({ ok: true });
  const badUpdate = await api('PUT', 'endpoints/ad', { settings: { url: slapd.url, bindDn: 'x' } });
  expect(badUpdate.json).toMatchObject({ code: 'ENDPOINT_INVALID', field: 'settings.baseDn' });
});

test('GET /api/dns/{domain} compares with the MX the tenant gives', async () => {
  const { status, json } = await api('GET', 'dns/contoso.test');
  expect(status).toBe(200);
  expect(json.findings.map((f: any) => [f.record, f.status])).toEqual([
    ['MX', 'wrong'],
    ['Autodiscover', 'ok'],
    ['SPF', 'missing'],
  ]);
  expect(json.findings[0].fix).toContain('IN MX 0 contoso-test.mail.protection.outlook.com.');
  expect((await api('GET', 'dns/fabrikam.test')).json).toMatchObject({ code: 'DNS_DOMAIN_NOT_IN_TENANT' });

  // The same through the command line (built by pretest): exit 1 when something is to fix.
  const cli = await mailferry(['dns', 'check', 'contoso.test', '--url', host.url, '--key', KEY]);
  expect(cli.code).toBe(1);
  expect(cli.stdout).toContain(
    'MX: create contoso.test. 3600 IN MX 0 contoso-test.mail.protection.outlook.com.',
  );
  expect(cli.stdout).toMatch(/Autodiscover\s+autodiscover\.contoso\.test\s+ok/);
  expect(cli.stdout).toContain('contoso.test: to fix');
});

test('forwarding before the status mail, the pack and DNS findings at completion, old values back on remove', async () => {
  const before = slapd.dump();
  const created = await api('POST', 'batches', {
    name: 'cutover-wave',
    csv: 'EmailAddress\r\nalice@contoso.test\r\nbob@contoso.test\r\n',
    sourceEndpoint: 'source',
    target: 'm365',
    options: { autoStart: true, directory: 'ad', restoreForwarding: true },
  });
  expect(created.status).toBe(201);
  const id = created.json.batch.id;
  await batchReaching(api, id, ['Synced', 'SyncedWithErrors', 'Failed'], 90_000);

  const after = slapd.dump();
  const targets = (dump: string) =>
    Object.fromEntries(
      dump
        .split('\n\n')
        .filter((e) => /^dn: cn=\w+,ou=people/.test(e))
        .map((e) => [/^dn: cn=(\w+)/.exec(e)![1], /^targetAddress: (.*)$/m.exec(e)?.[1]]),
    );
  expect(targets(after)).toEqual({
    alice: 'SMTP:alice@contoso.mail.onmicrosoft.com',
    bob: 'SMTP:bob@contoso.mail.onmicrosoft.com',
    carol: undefined,
  });
  const strip = (d: string) => d.replace(/^targetAddress: .*\n/gm, '');
  expect(strip(after)).toBe(strip(before));

  // Forwarding was in place before the status mail went out.
  const store = new ForwardingStore(services());
  const setAt = await Promise.all(
    ['alice@contoso.test', 'bob@contoso.test'].map(async (e) =>
      Date.parse((await store.get(id, e))!.updatedAt),
    ),
  );
  const statusMail = graph.state.requests.find((r) => r.path.endsWith('/sendMail') && r.status < 300);
  expect(statusMail).toBeDefined();
  expect(Math.max(...setAt)).toBeLessThan(statusMail!.at);
  const statusBody = JSON.stringify(graph.state.sentMail[0]!.message);
  expect(statusBody).toMatch(/provisioned/);
  expect(statusBody).toContain('Forwarding: targetAddress set for 2 of 2 mailboxes.');

  expect((await api('GET', `batches/${id}/cutover`)).json).toMatchObject({ dnsChecked: false, dns: [] });
  const readiness = await api('GET', `batches/${id}/cutover?refresh=true`);
  expect(readiness.json).toMatchObject({
    ready: false,
    forwarding: { enabled: true, set: 2, of: 2, warnings: [] },
  });
  expect(readiness.json.dns[0].findings.map((f: any) => f.status)).toEqual(['wrong', 'ok', 'missing']);

  // The batch page shows the same readiness, and checks DNS on request.
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${host.url}/`);
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Open dashboard', exact: true }).click();
    await page.goto(`${host.url}/#/batches/${id}`);
    await page.getByText('Forwarding set for 2 of 2 mailboxes.').waitFor();
    await page.getByText('DNS: not checked yet.').waitFor();
    await page.getByRole('button', { name: 'Check DNS now' }).click();
    await page
      .getByText(
        'MX of contoso.test: wrong; create contoso.test. 3600 IN MX 0 contoso-test.mail.protection.outlook.com.',
        {
          exact: false,
        },
      )
      .waitFor();
    expect(await page.getByRole('heading', { name: 'Cutover: to do' }).isVisible()).toBe(true);
    expect(await page.getByText('Autodiscover of autodiscover.contoso.test: ok').isVisible()).toBe(true);
    // A batch uploaded on the dashboard can name its directory too.
    await page.goto(`${host.url}/#/`);
    await page.getByLabel('CSV file').setInputFiles({
      name: 'wave-ui.csv',
      mimeType: 'text/csv',
      // Not alice: a mailbox is copied by one active batch at a time (MAILBOX_IN_ACTIVE_BATCH).
      buffer: Buffer.from('EmailAddress\r\nnewcomer@contoso.test\r\n'),
    });
    await page.getByLabel('Target endpoint').selectOption('m365');
    await page.getByLabel('Source directory (optional, for forwarding)').fill('ad');
    await page.getByLabel('Start at once').uncheck();
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByText('Forwarding set for 0 of 1 mailboxes.').waitFor();
    const uploaded = (await api('GET', 'batches')).json.batches.find((b: any) => b.name === 'wave-ui');
    expect(uploaded.options).toMatchObject({ directory: 'ad', setForwarding: true });
    expect((await api('DELETE', `batches/${uploaded.id}`)).status).toBe(202);

    // The directory is an endpoint like the others: listed with its URL and tested from the page.
    await page.goto(`${host.url}/#/endpoints`);
    const row = page.getByRole('row').filter({ hasText: slapd.url });
    await row.getByRole('button', { name: 'Test connection to ad' }).click();
    await row.getByText(`Connected: logged in as ${slapd.writer.dn}`).waitFor();
  } finally {
    await browser.close();
  }

  expect((await api('POST', `batches/${id}/complete`)).status).toBeLessThan(300);
  await batchReaching(api, id, ['Completed', 'CompletedWithErrors', 'Failed'], 90_000);
  for (let i = 0; i < 100 && graph.state.sentMail.length < 3; i++)
    await new Promise((r) => setTimeout(r, 100));
  const completion = graph.state.sentMail.at(-1)!;
  expect(String(completion.message.subject)).toMatch(/completed/);
  const attachments = Object.fromEntries(
    completion.attachments.map((a) => [a.name, a.bytes.toString('utf8')]),
  );
  expect(Object.keys(attachments)).toEqual(
    expect.arrayContaining(['Export-CloudMailboxes.ps1', 'Convert-ToMailUser.ps1', 'cutover.md']),
  );
  expect(attachments['Export-CloudMailboxes.ps1']).toContain(
    "SourceAddress = 'alice@contoso.test'; RoutingAddress = 'alice@contoso.mail.onmicrosoft.com'",
  );
  expect(attachments['cutover.md']).toContain('targetAddress set for 2 of 2 mailboxes');
  expect(attachments['cutover.md']).toContain('- [ ] SPF of contoso.test: missing');
  const body = JSON.stringify(completion.message.body);
  expect(body).toContain('DNS MX of contoso.test: wrong');
  expect(body).toContain('Forwarding: targetAddress set for 2 of 2 mailboxes.');

  // The batch page's readiness now shows the findings stored at completion.
  expect((await api('GET', `batches/${id}/cutover`)).json).toMatchObject({
    dnsChecked: true,
    ready: false,
    forwarding: { set: 2, of: 2 },
  });

  expect((await api('DELETE', `batches/${id}`)).status).toBe(202);
  expect(await batchGone(api, id, 30_000)).toBe(true);
  expect(slapd.dump()).toBe(before);
}, 240000);
