import { app, type HttpRequest } from '@azure/functions';
import { services } from '../shared/app/services';
import { createEndpoint, removeEndpoint, updateEndpoint } from '../shared/endpoints/manage';
import {
  createEndpointRequest,
  testEndpointRequest,
  updateEndpointRequest,
} from '../shared/endpoints/requests';
import { testEndpoint } from '../shared/endpoints/test-endpoint';
import { endpointParams, parseParams } from './route-params';
import { answering, invalidBody, json } from './http-answers';

/**
 * Migration endpoints: where mail comes from and goes to (shared/endpoints/manage.ts). Each route
 * parses its body and parameters, calls into shared/endpoints and answers; no answer ever
 * contains a password.
 */
const body = (request: HttpRequest, empty?: unknown): Promise<unknown> => request.json().catch(() => empty);

app.http('endpointsCreate', {
  route: 'api/endpoints',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, context) =>
    answering(context, async () => {
      const parsed = createEndpointRequest.safeParse(await body(request));
      if (!parsed.success) return invalidBody(parsed.error);
      return json(201, { endpoint: await createEndpoint(services(), parsed.data) });
    }),
});

app.http('endpointsUpdate', {
  route: 'api/endpoints/{name}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: async (request, context) =>
    answering(context, async () => {
      const parsed = updateEndpointRequest.safeParse(await body(request));
      if (!parsed.success) return invalidBody(parsed.error);
      const { name } = parseParams(request, endpointParams);
      return json(200, { endpoint: await updateEndpoint(services(), name, parsed.data) });
    }),
});

app.http('endpointsList', {
  route: 'api/endpoints',
  authLevel: 'function',
  methods: ['GET'],
  handler: async (_request, context) =>
    answering(context, async () => json(200, { endpoints: await services().state.endpoints.list() })),
});

app.http('endpointsTest', {
  route: 'api/endpoints/{name}/test',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, context) =>
    answering(context, async () => {
      const { name } = parseParams(request, endpointParams);
      // No body (or not JSON) is a test without a mailbox address.
      const parsed = testEndpointRequest.safeParse(await body(request, {}));
      if (!parsed.success) return invalidBody(parsed.error);
      return json(200, await testEndpoint(services(), name, parsed.data));
    }),
});

app.http('endpointsRemove', {
  route: 'api/endpoints/{name}',
  authLevel: 'function',
  methods: ['DELETE'],
  handler: async (request, context) =>
    answering(context, async () => {
      await removeEndpoint(services(), parseParams(request, endpointParams).name);
      return { status: 204 };
    }),
});
