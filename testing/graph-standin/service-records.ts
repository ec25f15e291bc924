import { graphError, type GraphReply, type GraphRequest } from './http';
import type { StandinState } from './state';

/**
 * `GET /domains/{id}/serviceConfigurationRecords`, as Microsoft Graph documents it: the DNS records
 * Microsoft 365 wants for a domain (domainDnsMxRecord, domainDnsCnameRecord, domainDnsTxtRecord...)
 * with `recordType`, `label`, `ttl`, `supportedService` and the type's value field. The MX host is
 * the older `<domain-with-dashes>.mail.protection.outlook.com` form. An unknown domain is a 404
 * `Request_ResourceNotFound`.
 */
export function serviceConfigurationRecords(state: StandinState, req: GraphRequest): GraphReply | null {
  const m = /^\/domains\/([^/]+)\/serviceConfigurationRecords$/.exec(req.path);
  if (req.method !== 'GET' || !m) return null;
  const id = decodeURIComponent(m[1]!).toLowerCase();
  const domain = state.domains.find((d) => d.id === id);
  if (!domain) {
    return graphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  const common = { isOptional: false, supportedService: 'Email', ttl: 3600 };
  return {
    status: 200,
    body: {
      value: [
        {
          '@odata.type': '#microsoft.graph.domainDnsMxRecord',
          ...common,
          id: `mx-${id}`,
          label: id,
          recordType: 'Mx',
          mailExchange: `${id.replace(/\./g, '-')}.mail.protection.outlook.com`,
          preference: 0,
        },
        {
          '@odata.type': '#microsoft.graph.domainDnsTxtRecord',
          ...common,
          id: `spf-${id}`,
          label: id,
          recordType: 'Txt',
          text: 'v=spf1 include:spf.protection.outlook.com -all',
        },
        {
          '@odata.type': '#microsoft.graph.domainDnsCnameRecord',
          ...common,
          id: `autodiscover-${id}`,
          label: `autodiscover.${id}`,
          recordType: 'CName',
          canonicalName: 'autodiscover.outlook.com',
        },
      ],
    },
  };
}
