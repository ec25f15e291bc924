import type { GraphClient } from '../graph';
import { isGraphError } from '../graph/errors';
import { CodedError } from '../domain/errors';

interface ServiceRecord {
  recordType: string;
  label: string;
  mailExchange?: string;
  preference?: number;
}

/**
 * The MX host Microsoft 365 wants for `domain`, from Graph's serviceConfigurationRecords (new
 * domains get `<domain>.<random>.mx.microsoft`, older ones `<domain-with-dashes>.mail.protection.outlook.com`,
 * so it is read, never guessed). Needs Domain.Read.All.
 */
export async function expectedMxFromGraph(
  client: GraphClient,
  domain: string,
): Promise<{ host: string; preference: number } | undefined> {
  let records: ServiceRecord[];
  try {
    records = await client.all<ServiceRecord>(
      `/domains/${encodeURIComponent(domain)}/serviceConfigurationRecords`,
    );
  } catch (e) {
    if (isGraphError(e) && e.status === 404) {
      throw new CodedError(
        'DNS_DOMAIN_NOT_IN_TENANT',
        `${domain} is not a domain of the Microsoft 365 tenant: add and verify it in the admin center (Settings > Domains) before pointing its DNS at Microsoft 365.`,
        { domain },
      );
    }
    throw e;
  }
  const mx = records.find((r) => r.recordType.toLowerCase() === 'mx' && r.mailExchange);
  return mx ? { host: mx.mailExchange!, preference: mx.preference ?? 0 } : undefined;
}
