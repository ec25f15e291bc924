import { app } from '@azure/functions';
import { services } from '../shared/app/services';
import { cutoverReadiness } from '../shared/cutover/completion';
import { answering, json } from './http-answers';

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
      return json(200, await cutoverReadiness(services(), request.params.id as string, { refreshDns }));
    }),
});
