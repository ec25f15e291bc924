import type { Services } from '../app/services';
import type { CutoverReport } from '../report';
import { allMailboxes, dnsFor, isReady, readCutoverPack } from './completion';
import type { DomainCheck } from './dns-check';
import { forwardingSummary } from './forwarding';

/** The batch page's cutover readiness: forwarding now, DNS as checked at completion (or now, on request). */
export async function cutoverReadiness(
  svc: Services,
  batchId: string,
  options: { refreshDns?: boolean } = {},
): Promise<
  CutoverReport & {
    batchId: string;
    applicable: boolean;
    ready: boolean;
    dnsChecked: boolean;
    dnsCheckedAt?: string;
  }
> {
  const batch = await svc.state.batches.get(batchId);
  const target = await svc.state.endpoints.find(batch.target);
  // Nothing to cut over for a batch with no directory that does not move into Microsoft 365.
  const applicable = Boolean(batch.options.directory) || target?.type === 'graph';
  const forwarding = await forwardingSummary(svc, batch, batch.totalMailboxes);
  let dns: DomainCheck[] | undefined;
  let dnsCheckedAt: string | undefined;
  if (!options.refreshDns) {
    const stored = await readCutoverPack(svc, batchId);
    if (stored) {
      dns = stored.summary.dns as DomainCheck[];
      dnsCheckedAt = dns.map((d) => ('checkedAt' in d ? d.checkedAt : undefined)).find(Boolean);
    }
  }
  // Checked live only on request: the batch page polls, and DNS lookups are not free.
  if (!dns && options.refreshDns) {
    dns = await dnsFor(svc, batch, await allMailboxes(svc, batchId));
    dnsCheckedAt = new Date().toISOString();
  }
  const summary: CutoverReport = { forwarding, dns: dns ?? [], pack: dns !== undefined };
  return {
    batchId,
    ...summary,
    applicable,
    ready: dns !== undefined && isReady(summary),
    dnsChecked: dns !== undefined,
    dnsCheckedAt,
  };
}
