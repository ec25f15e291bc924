import { CodedError } from '../domain/errors';
import type { GraphClient } from './client';

/**
 * Tenant preflight, once per batch: directory sync must be on (the staged migration relies on it
 * having created the mail-enabled users), and every address domain of the batch must be a verified
 * domain of the tenant. Throws one CodedError naming exactly what to fix.
 */
export interface PreflightResult {
  organization: string;
  verifiedDomains: string[];
  domainsChecked: string[];
}

export interface Organization {
  id: string;
  displayName?: string;
  onPremisesSyncEnabled?: boolean | null;
  verifiedDomains?: Array<{ name: string }>;
}

interface Domain {
  id: string;
  isVerified: boolean;
}

/** The lower-case domains of a list of addresses (what a batch's rows need). */
export function addressDomains(addresses: string[]): string[] {
  const set = new Set<string>();
  for (const a of addresses) {
    const at = a.lastIndexOf('@');
    if (at > 0)
      set.add(
        a
          .slice(at + 1)
          .trim()
          .toLowerCase(),
      );
  }
  return [...set].sort();
}

/** The tenant's organization (a tenant has exactly one): its name and whether directory sync is on. */
export async function readOrganization(client: GraphClient): Promise<Organization | undefined> {
  const orgs = await client.all<Organization>(
    '/organization?$select=id,displayName,onPremisesSyncEnabled,verifiedDomains',
  );
  return orgs[0];
}

export async function preflightTenant(
  client: GraphClient,
  batchAddresses: string[],
): Promise<PreflightResult> {
  const org = await readOrganization(client);
  if (!org) {
    throw new CodedError(
      'GRAPH_PREFLIGHT_NO_ORGANIZATION',
      'The tenant returned no organization: check M365_TENANT_ID and that the app has Organization.Read.All.',
    );
  }
  const name = org.displayName ?? org.id;
  if (org.onPremisesSyncEnabled !== true) {
    throw new CodedError(
      'GRAPH_PREFLIGHT_DIRSYNC_OFF',
      `Directory synchronization is not enabled for tenant "${name}". A staged migration needs Microsoft Entra Connect to sync the on-premises users first: turn on directory sync and let it complete, then restart the batch.`,
      { tenant: org.id },
    );
  }
  const domains = await client.all<Domain>('/domains?$select=id,isVerified');
  const verified = new Set(domains.filter((d) => d.isVerified).map((d) => d.id.toLowerCase()));
  const needed = addressDomains(batchAddresses);
  const unverified = needed.filter((d) => !verified.has(d));
  if (unverified.length > 0) {
    const known = new Set(domains.map((d) => d.id.toLowerCase()));
    const missing = unverified.filter((d) => !known.has(d));
    const pending = unverified.filter((d) => known.has(d));
    const parts: string[] = [];
    if (missing.length)
      parts.push(
        `add ${missing.join(', ')} to the tenant (Microsoft 365 admin center → Settings → Domains) and verify it`,
      );
    if (pending.length)
      parts.push(`finish verifying ${pending.join(', ')} (add the TXT record the admin center shows)`);
    throw new CodedError(
      'GRAPH_PREFLIGHT_DOMAIN_NOT_VERIFIED',
      `The batch has addresses in domains that are not verified in tenant "${name}": ${parts.join('; ')}. Or remove those rows from the batch.`,
      { tenant: org.id, domains: unverified },
    );
  }
  return { organization: name, verifiedDomains: [...verified].sort(), domainsChecked: needed };
}
