import { app } from '@azure/functions';
import { services } from '../shared/app/services';
import { cutoverReadiness } from '../shared/cutover/readiness';
import { applyConversionLdap } from '../shared/cutover/conversion-ldap';
import { retryForwarding } from '../shared/cutover/retry';
import { batchParams, parseParams } from './route-params';
import { answering, json, problem } from './http-answers';

/**
 * `GET /api/batches/{id}/cutover`: the batch's cutover readiness: forwarding set n of m (and why
 * not for the others) and its domains' DNS (as checked at completion; `?refresh=true` checks now).
 */
app.http('batchCutover', {
  route: 'api/batches/{id}/cutover',
  authLevel: 'function',
  methods: ['GET'],
  handler: async (request, context) =>
    answering(context, async () => {
      const refreshDns = request.query.get('refresh') === 'true';
      return json(
        200,
        await cutoverReadiness(services(), parseParams(request, batchParams).id, { refreshDns }),
      );
    }),
});

/**
 * `POST /api/batches/{id}/cloud-mailboxes` with the CSV Export-CloudMailboxes.ps1 wrote (text/csv):
 * for a batch with `applyConversionLdap`, writes the LDAP half of the conversion and answers one
 * outcome per user.
 */
const MAX_CSV_CHARS = 20 * 1024 * 1024;

app.http('batchCloudMailboxes', {
  route: 'api/batches/{id}/cloud-mailboxes',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, context) =>
    answering(context, async () => {
      const csv = await request.text();
      if (!csv.trim())
        return problem(
          400,
          'CONVERSION_CSV_INVALID',
          'Send the CSV that Export-CloudMailboxes.ps1 wrote as the body.',
        );
      if (csv.length > MAX_CSV_CHARS)
        return problem(413, 'CONVERSION_CSV_TOO_LARGE', 'The CSV is larger than 20 MB.');
      const outcomes = await applyConversionLdap(services(), parseParams(request, batchParams).id, csv);
      return json(200, { outcomes });
    }),
});

/** `POST /api/batches/{id}/forwarding`: sets forwarding again where it did not get set. */
app.http('batchRetryForwarding', {
  route: 'api/batches/{id}/forwarding',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, context) =>
    answering(context, async () =>
      json(200, await retryForwarding(services(), parseParams(request, batchParams).id)),
    ),
});
