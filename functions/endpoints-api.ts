import { app } from '@azure/functions';
import { z } from 'zod';
import { services } from '../shared/app/services';
import { closeImap, openImap } from '../shared/mail/login';
import { parseEndpoint } from '../shared/mail/settings';
import { endpointFor, passwordFor } from '../shared/migration/connectors';
import { graphFor, graphSettingsOf } from '../shared/migration/microsoft365';
import { endpointSecretName, secretRef } from '../shared/secrets/refs';
import { ENDPOINT_TYPES } from '../shared/state';
import { validatePimSettings } from '../shared/pim/sources';
import { answering, invalidBody, json, problem } from './http-answers';

/**
 * Migration endpoints: where mail comes from and goes to. The admin password goes to the secret
 * store; the endpoint row keeps only a reference, and no answer ever contains it.
 */
const createSchema = z
  .object({
    name: z.string().min(1),
    type: z.enum(ENDPOINT_TYPES),
    settings: z.record(z.string(), z.unknown()).default({}),
    password: z.string().min(1).optional(),
    /** Passwords of the contacts-and-calendars logins (settings.dav / settings.ews), kept in the secret store. */
    pimPasswords: z
      .object({ dav: z.string().min(1).optional(), ews: z.string().min(1).optional() })
      .strict()
      .optional(),
    maxConcurrentMigrations: z.number().int().positive().optional(),
  })
  .strict();

app.http('endpointsCreate', {
  route: 'api/endpoints',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, context) =>
    answering(context, async () => {
      const parsed = createSchema.safeParse(await request.json().catch(() => undefined));
      if (!parsed.success) return invalidBody(parsed.error);
      const { password, pimPasswords, ...input } = parsed.data;
      if (input.type === 'imap') parseEndpoint(input.settings, 'source');
      if (input.type === 'imap') validatePimSettings(input.settings);
      await storePimPasswords(input.name, input.settings, pimPasswords);
      if (input.type === 'graph') graphSettingsOf(input);
      const svc = services();
      const secretName = endpointSecretName(input.name);
      if (password) await svc.secrets.set(secretName, password);
      const endpoint = await svc.state.endpoints.create({
        ...input,
        secretRef: password ? secretRef(secretName) : undefined,
      });
      return json(201, { endpoint });
    }),
});

/** Changes an endpoint, in use or not: a new password or host must not mean a new batch. */
const updateSchema = z
  .object({
    settings: z.record(z.string(), z.unknown()).optional(),
    password: z.string().min(1).optional(),
    pimPasswords: z
      .object({ dav: z.string().min(1).optional(), ews: z.string().min(1).optional() })
      .strict()
      .optional(),
    maxConcurrentMigrations: z.number().int().positive().optional(),
  })
  .strict();

app.http('endpointsUpdate', {
  route: 'api/endpoints/{name}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: async (request, context) =>
    answering(context, async () => {
      const parsed = updateSchema.safeParse(await request.json().catch(() => undefined));
      if (!parsed.success) return invalidBody(parsed.error);
      const svc = services();
      const name = request.params.name as string;
      const current = await svc.state.endpoints.get(name);
      const { password, pimPasswords, ...patch } = parsed.data;
      if (patch.settings && current.type === 'imap') parseEndpoint(patch.settings, 'source');
      if (patch.settings && current.type === 'imap') validatePimSettings(patch.settings);
      if (patch.settings) await storePimPasswords(current.name, patch.settings, pimPasswords);
      if (patch.settings && current.type === 'graph')
        graphSettingsOf({ ...current, settings: patch.settings });
      const secretName = endpointSecretName(current.name);
      if (password) await svc.secrets.set(secretName, password);
      const endpoint = await svc.state.endpoints.update(name, () => ({
        ...patch,
        ...(password ? { secretRef: secretRef(secretName) } : {}),
      }));
      return json(200, { endpoint });
    }),
});

app.http('endpointsList', {
  route: 'api/endpoints',
  authLevel: 'function',
  methods: ['GET'],
  handler: async (_request, context) =>
    answering(context, async () => {
      return json(200, { endpoints: await services().state.endpoints.list() });
    }),
});

app.http('endpointsTest', {
  route: 'api/endpoints/{name}/test',
  authLevel: 'function',
  methods: ['POST'],
  handler: async (request, context) =>
    answering(context, async () => {
      const svc = services();
      const endpoint = await endpointFor(svc, request.params.name as string, 'source');
      if (endpoint.type === 'graph') {
        const started = Date.now();
        const org = await graphFor(svc).get<{
          value: Array<{ displayName: string; onPremisesSyncEnabled: boolean | null }>;
        }>('/organization');
        const tenant = org.value[0];
        return json(200, {
          ok: true,
          endpoint: endpoint.name,
          tenant: tenant?.displayName,
          directorySync: tenant?.onPremisesSyncEnabled === true,
          ms: Date.now() - started,
        });
      }
      if (endpoint.type !== 'imap')
        return problem(400, 'ENDPOINT_TYPE_UNSUPPORTED', 'Only imap and graph endpoints can be tested.');
      const body = (await request.json().catch(() => ({}))) as { emailAddress?: string };
      const settings = parseEndpoint(endpoint.settings, 'source');
      const email = body.emailAddress ?? settings.admin?.user ?? 'postmaster';
      const started = Date.now();
      const client = await openImap(
        settings,
        { email, password: await passwordFor(svc, endpoint, undefined) },
        'source',
      );
      const capabilities = [...(client.capabilities?.keys() ?? [])];
      await closeImap(client);
      return json(200, {
        ok: true,
        endpoint: endpoint.name,
        loggedInAs: email,
        capabilities,
        ms: Date.now() - started,
      });
    }),
});

app.http('endpointsRemove', {
  route: 'api/endpoints/{name}',
  authLevel: 'function',
  methods: ['DELETE'],
  handler: async (request, context) =>
    answering(context, async () => {
      const svc = services();
      const name = request.params.name as string;
      if (!(await svc.state.deleteEndpoint(name)))
        return problem(404, 'ENDPOINT_NOT_FOUND', `No endpoint named "${name}".`);
      await svc.secrets.delete(endpointSecretName(name));
      return { status: 204 };
    }),
});

/**
 * The dav / ews login passwords go to the secret store; the block keeps `password: "secret:<name>"`.
 * Mutates `settings` (the request's own copy) before it is stored.
 */
async function storePimPasswords(
  endpoint: string,
  settings: Record<string, unknown>,
  passwords: { dav?: string; ews?: string } | undefined,
): Promise<void> {
  for (const kind of ['dav', 'ews'] as const) {
    const value = passwords?.[kind];
    const block = settings[kind];
    if (!value || !block || typeof block !== 'object') continue;
    const name = `${endpointSecretName(endpoint)}-${kind}`;
    await services().secrets.set(name, value);
    (block as Record<string, unknown>).password = secretRef(name);
  }
}
