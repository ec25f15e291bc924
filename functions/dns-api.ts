import { app } from '@azure/functions';
import { z } from 'zod';
import { services } from '../shared/app/services';
import { checkDomainFor } from '../shared/cutover/dns-check';
import { answering, json, problem } from './http-answers';

/**
 * `GET /api/dns/{domain}`: are the domain's MX, Autodiscover CNAME and SPF records what Microsoft
 * 365 expects? Each is ok, missing or wrong with the record to create.
 */
const domainSchema = z.string().min(1).max(253);

app.http('dnsCheck', {
  route: 'api/dns/{domain}',
  authLevel: 'function',
  methods: ['GET'],
  handler: async (request, context) =>
    answering(context, async () => {
      const parsed = domainSchema.safeParse(request.params.domain);
      if (!parsed.success) return problem(400, 'DNS_DOMAIN_INVALID', 'Give a domain name like contoso.com.');
      return json(200, await checkDomainFor(services(), parsed.data));
    }),
});
