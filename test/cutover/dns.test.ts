import { checkDomainDns, dnsServersFrom } from '../../shared/cutover/dns';
import { startDnsServer, type RunningDnsServer } from '../../testing/dns-server';

/**
 * The DNS checks against a loopback DNS server (never the internet): a domain pointed at Microsoft
 * 365, one with nothing, one still pointing at the old system, and a server that does not answer.
 */
let dns: RunningDnsServer;
const EXPECTED_MX = { host: 'contoso-test.mail.protection.outlook.com', preference: 0 };

beforeAll(async () => {
  dns = await startDnsServer(
    {
      'contoso.test': {
        MX: [{ exchange: 'contoso-test.mail.protection.outlook.com', priority: 0 }],
        // SPF split over two strings, as long records are published: they read as one
        TXT: [['v=spf1 include:spf.protection', '.outlook.com -all'], ['google-site-verification=abc']],
      },
      'autodiscover.contoso.test': { CNAME: 'autodiscover.outlook.com' },
      'fabrikam.test': {
        MX: [
          { exchange: 'mail.fabrikam.test', priority: 10 },
          { exchange: 'fabrikam-test.mail.protection.outlook.com', priority: 20 },
        ],
        TXT: [['v=spf1 mx ip4:192.0.2.10 ~all']],
      },
      'autodiscover.fabrikam.test': { CNAME: 'mail.fabrikam.test' },
      'empty.test': {},
      'slow.test': {},
    },
    { silent: ['slow.test', 'autodiscover.slow.test'] },
  );
});

afterAll(async () => {
  await dns?.stop();
});

const servers = () => dnsServersFrom({ MAILFERRY_DNS_SERVERS: dns.address });

test('records that point at Microsoft 365 are ok', async () => {
  const report = await checkDomainDns('Contoso.Test', { servers: servers(), expectedMx: EXPECTED_MX });
  expect(report.ok).toBe(true);
  expect(report.findings.map((f) => [f.record, f.status])).toEqual([
    ['MX', 'ok'],
    ['Autodiscover', 'ok'],
    ['SPF', 'ok'],
  ]);
  expect(report.findings[2]!.found).toEqual(['v=spf1 include:spf.protection.outlook.com -all']);
  expect(dns.queries.length).toBeGreaterThanOrEqual(3); // it asked the loopback server
});

test('records still pointing at the old system are wrong, each with the exact record to create', async () => {
  const report = await checkDomainDns('fabrikam.test', {
    servers: servers(),
    expectedMx: { host: 'fabrikam-test.mail.protection.outlook.com', preference: 0 },
  });
  expect(report.ok).toBe(false);
  const [mx, autodiscover, spf] = report.findings;
  expect(mx).toMatchObject({
    status: 'wrong',
    found: ['10 mail.fabrikam.test', '20 fabrikam-test.mail.protection.outlook.com'],
    fix: expect.stringContaining('fabrikam.test. 3600 IN MX 0 fabrikam-test.mail.protection.outlook.com.'),
  });
  expect(autodiscover).toMatchObject({
    status: 'wrong',
    found: ['mail.fabrikam.test'],
    fix: 'autodiscover.fabrikam.test. 3600 IN CNAME autodiscover.outlook.com.',
  });
  // The existing SPF keeps its terms; Microsoft 365's include goes before "all".
  expect(spf).toMatchObject({
    status: 'wrong',
    fix: 'fabrikam.test. 3600 IN TXT "v=spf1 mx ip4:192.0.2.10 include:spf.protection.outlook.com ~all"',
  });
});

test('absent records are missing, each with the record to create', async () => {
  const report = await checkDomainDns('empty.test', { servers: servers(), expectedMx: EXPECTED_MX });
  expect(report.findings.map((f) => [f.record, f.status])).toEqual([
    ['MX', 'missing'],
    ['Autodiscover', 'missing'],
    ['SPF', 'missing'],
  ]);
  expect(report.findings[2]!.fix).toBe(
    'empty.test. 3600 IN TXT "v=spf1 include:spf.protection.outlook.com -all"',
  );
});

test('a DNS server that does not answer is a coded timeout naming the record', async () => {
  const report = await checkDomainDns('slow.test', { servers: servers(), timeoutMs: 300 });
  expect(report.ok).toBe(false);
  const mx = report.findings.find((f) => f.record === 'MX')!;
  expect(mx.status).toBe('error');
  expect(mx.error).toMatchObject({
    code: 'DNS_TIMEOUT',
    message: expect.stringContaining('MX lookup of slow.test'),
  });
  expect(report.findings.find((f) => f.record === 'Autodiscover')!.error?.message).toContain(
    'autodiscover.slow.test',
  );
});

test('a bad domain and a bad server setting are coded', async () => {
  await expect(checkDomainDns('not a domain')).rejects.toMatchObject({ code: 'DNS_DOMAIN_INVALID' });
  expect(() => dnsServersFrom({ MAILFERRY_DNS_SERVERS: 'dns.example.com' })).toThrow(
    expect.objectContaining({ code: 'SETTING_INVALID' }),
  );
});

test("without the tenant's MX value, an MX at Microsoft 365's mail hosts counts as ok", async () => {
  const right = await checkDomainDns('contoso.test', { servers: servers() });
  expect(right.findings[0]).toMatchObject({ record: 'MX', status: 'ok' });
  const wrong = await checkDomainDns('fabrikam.test', { servers: servers() });
  expect(wrong.findings[0]).toMatchObject({
    status: 'wrong',
    fix: expect.stringContaining('IN MX 0 fabrikam-test.mail.protection.outlook.com.'),
  });
});
