import pLimit from 'p-limit';
import type { Services } from '../app/services';
import { isCodedError } from '../domain/errors';
import { graphFor } from '../migration/microsoft365';
import { checkDomainDns, dnsServersFrom, parseDomain, type DomainDnsReport } from './dns';
import { expectedMxFromGraph } from './expected-records';
import { CUTOVER_LIMITS } from './limits';

/** One domain, with the MX host read from the tenant when Microsoft 365 is configured. */
export async function checkDomainFor(svc: Services, domainInput: string): Promise<DomainDnsReport> {
  const domain = parseDomain(domainInput);
  const expectedMx = svc.settings.m365 ? await expectedMxFromGraph(graphFor(svc), domain) : undefined;
  return checkDomainDns(domain, { servers: dnsServersFrom(), expectedMx });
}

export type DomainCheck =
  DomainDnsReport | { domain: string; ok: false; error: { code: string; message: string } };

/** The accepted domains of a batch's addresses (at most CUTOVER_LIMITS.maxDomainsPerReport), each checked. */
export async function checkBatchDomains(svc: Services, addresses: string[]): Promise<DomainCheck[]> {
  const domains = [
    ...new Set(addresses.map((a) => a.split('@')[1]?.toLowerCase()).filter((d): d is string => !!d)),
  ]
    .sort()
    .slice(0, CUTOVER_LIMITS.maxDomainsPerReport);
  // A few domains at a time: each lookup may wait for its timeout, and the resolver is shared.
  const limit = pLimit(CUTOVER_LIMITS.dnsDomainsAtOnce);
  return Promise.all(
    domains.map((domain) =>
      limit(async (): Promise<DomainCheck> => {
        try {
          return await checkDomainFor(svc, domain);
        } catch (e) {
          if (!isCodedError(e)) throw e;
          return { domain, ok: false, error: { code: e.code, message: e.message } };
        }
      }),
    ),
  );
}
