import { app } from '@azure/functions';

/** Liveness for load balancers and `mailferry serve`; anonymous like Azure's own health probes. */
app.http('health', {
  route: 'api/health',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: async () => ({ jsonBody: { status: 'ok', service: 'mailferry' } }),
});
