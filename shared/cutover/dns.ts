import { Resolver } from 'node:dns/promises';
import { settingsSchema } from '../config/schema';
import { CodedError } from '../domain/errors';
import { CUTOVER_LIMITS, M365_DNS } from './limits';

/**
 * DNS after cutover: for one accepted domain, are MX, the Autodiscover CNAME and the SPF TXT record
 * what Microsoft 365 expects? Each record is ok, missing, wrong (with the exact record to create) or
 * could not be checked (a coded error naming the record). The resolver asks the servers of
 * MAILFERRY_DNS_SERVERS, else the system's.
 */
export type DnsRecordKind = 'MX' | 'Autodiscover' | 'SPF';
export type DnsStatus = 'ok' | 'missing' | 'wrong' | 'error';

export interface DnsFinding {
  record: DnsRecordKind;
  /** The DNS name looked up. */
  name: string;
  status: DnsStatus;
  /** What the DNS answered (MX as "priority host"). */
  found: string[];
  /** The value Microsoft 365 expects. */
  expected: string;
  /** The record to create or change, in zone-file form; absent when ok. */
  fix?: string;
  /** For status error: DNS_TIMEOUT or DNS_QUERY_FAILED. */
  error?: { code: string; message: string };
}

export interface DomainDnsReport {
  domain: string;
  ok: boolean;
  findings: DnsFinding[];
  checkedAt: string;
}

export interface DnsCheckOptions {
  /** `ip` or `ip:port`; empty: the system's resolvers. */
  servers?: string[];
  /** The MX host Microsoft 365 gave for this domain (Graph serviceConfigurationRecords). */
  expectedMx?: { host: string; preference: number };
  timeoutMs?: number;
}

/** The DNS servers setting, read from the environment (validated like every app setting). */
export function dnsServersFrom(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.MAILFERRY_DNS_SERVERS;
  if (!raw) return [];
  const parsed = settingsSchema.shape.MAILFERRY_DNS_SERVERS.safeParse(raw);
  if (!parsed.success) {
    throw new CodedError(
      'SETTING_INVALID',
      'MAILFERRY_DNS_SERVERS must be IP addresses (optionally :port) separated by commas.',
      { setting: 'MAILFERRY_DNS_SERVERS' },
    );
  }
  return parsed.data ?? [];
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function parseDomain(value: string): string {
  const d = value.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN.test(d)) {
    throw new CodedError(
      'DNS_DOMAIN_INVALID',
      `"${value}" is not a domain name; give one like contoso.com.`,
      {
        field: 'domain',
      },
    );
  }
  return d;
}

const host = (h: string) => h.toLowerCase().replace(/\.$/, '');

/** Microsoft 365's MX hosts: `<domain-with-dashes>.mail.protection.outlook.com` or `<...>.mx.microsoft`. */
const M365_MX = /\.(mail\.protection\.outlook\.com|mx\.microsoft)$/i;

type Lookup<T> =
  | { ok: true; value: T }
  | { ok: false; missing: true }
  | { ok: false; missing: false; error: DnsFinding['error'] };

async function lookup<T>(
  what: string,
  name: string,
  servers: string[],
  run: () => Promise<T>,
): Promise<Lookup<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { ok: false, missing: true };
    const where = servers.length ? servers.join(', ') : "the system's DNS servers";
    if (code === 'ETIMEOUT') {
      return {
        ok: false,
        missing: false,
        error: {
          code: 'DNS_TIMEOUT',
          message: `The ${what} lookup of ${name} got no answer from ${where}: check MAILFERRY_DNS_SERVERS and that this host may send DNS queries, then check again.`,
        },
      };
    }
    return {
      ok: false,
      missing: false,
      error: {
        code: 'DNS_QUERY_FAILED',
        message: `The ${what} lookup of ${name} failed at ${where} (${code || (e instanceof Error ? e.message : String(e))}).`,
      },
    };
  }
}

export async function checkDomainDns(
  domainInput: string,
  options: DnsCheckOptions = {},
): Promise<DomainDnsReport> {
  const domain = parseDomain(domainInput);
  const servers = options.servers ?? [];
  const resolver = new Resolver({ timeout: options.timeoutMs ?? CUTOVER_LIMITS.dnsTimeoutMs, tries: 1 });
  if (servers.length) resolver.setServers(servers);
  const [mx, cname, txt] = await Promise.all([
    lookup('MX', domain, servers, () => resolver.resolveMx(domain)),
    lookup('CNAME', `autodiscover.${domain}`, servers, () => resolver.resolveCname(`autodiscover.${domain}`)),
    lookup('TXT', domain, servers, () => resolver.resolveTxt(domain)),
  ]);
  const findings = [
    mxFinding(domain, mx, options.expectedMx),
    autodiscoverFinding(domain, cname),
    spfFinding(domain, txt),
  ];
  return {
    domain,
    ok: findings.every((f) => f.status === 'ok'),
    findings,
    checkedAt: new Date().toISOString(),
  };
}

function failed(base: Omit<DnsFinding, 'status' | 'found'>, r: Lookup<unknown>): DnsFinding | undefined {
  if (r.ok) return undefined;
  if (r.missing) return { ...base, status: 'missing', found: [] };
  return { ...base, status: 'error', found: [], fix: undefined, error: r.error };
}

function mxFinding(
  domain: string,
  r: Lookup<Array<{ exchange: string; priority: number }>>,
  expected: DnsCheckOptions['expectedMx'],
): DnsFinding {
  const want = expected ? host(expected.host) : `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`;
  const preference = expected?.preference ?? 0;
  const base = {
    record: 'MX' as const,
    name: domain,
    expected: want,
    fix: `${domain}. 3600 IN MX ${preference} ${want}.  (and remove the other MX records)`,
  };
  const bad = failed(base, r);
  if (bad) return bad;
  const records = (r as { value: Array<{ exchange: string; priority: number }> }).value;
  if (records.length === 0) return { ...base, status: 'missing', found: [] };
  const found = records
    .sort((a, b) => a.priority - b.priority)
    .map((m) => `${m.priority} ${host(m.exchange)}`);
  // Mail goes to the most preferred hosts: they must all be Microsoft 365's.
  const best = records.filter((m) => m.priority === records[0]!.priority).map((m) => host(m.exchange));
  const right = best.every((h) => (expected ? h === want : M365_MX.test(h)));
  return right ? { ...base, status: 'ok', found, fix: undefined } : { ...base, status: 'wrong', found };
}

function autodiscoverFinding(domain: string, r: Lookup<string[]>): DnsFinding {
  const name = `autodiscover.${domain}`;
  const base = {
    record: 'Autodiscover' as const,
    name,
    expected: M365_DNS.autodiscover,
    fix: `${name}. 3600 IN CNAME ${M365_DNS.autodiscover}.`,
  };
  const bad = failed(base, r);
  if (bad) return bad;
  const found = (r as { value: string[] }).value.map(host);
  if (found.length === 0) return { ...base, status: 'missing', found };
  return found.includes(M365_DNS.autodiscover)
    ? { ...base, status: 'ok', found, fix: undefined }
    : { ...base, status: 'wrong', found };
}

function spfFinding(domain: string, r: Lookup<string[][]>): DnsFinding {
  const base = {
    record: 'SPF' as const,
    name: domain,
    expected: M365_DNS.spfInclude,
    fix: `${domain}. 3600 IN TXT "${M365_DNS.spfRecord}"`,
  };
  const bad = failed(base, r);
  if (bad) return bad;
  // A TXT record may come in several strings: they form one value (RFC 7208 section 3.3).
  const spf = (r as { value: string[][] }).value
    .map((chunks) => chunks.join(''))
    .filter((t) => /^v=spf1(\s|$)/i.test(t));
  if (spf.length === 0) return { ...base, status: 'missing', found: [] };
  if (spf.length > 1) {
    return {
      ...base,
      status: 'wrong',
      found: spf,
      fix: `Keep one SPF record (two make every SPF check fail): ${domain}. 3600 IN TXT "${mergedSpf(spf[0]!)}"`,
    };
  }
  const record = spf[0]!;
  if (record.toLowerCase().split(/\s+/).includes(M365_DNS.spfInclude))
    return { ...base, status: 'ok', found: spf, fix: undefined };
  return { ...base, status: 'wrong', found: spf, fix: `${domain}. 3600 IN TXT "${mergedSpf(record)}"` };
}

/** The existing SPF record with Microsoft 365's include added before its `all` term. */
function mergedSpf(record: string): string {
  const terms = record.trim().split(/\s+/);
  if (terms.some((t) => t.toLowerCase() === M365_DNS.spfInclude)) return record;
  const all = terms.findIndex((t) => /^[-~?+]?all$/i.test(t));
  if (all < 0) return [...terms, M365_DNS.spfInclude, '-all'].join(' ');
  return [...terms.slice(0, all), M365_DNS.spfInclude, ...terms.slice(all)].join(' ');
}
