import { app } from '@azure/functions';
import { z } from 'zod';
import { services } from '../shared/app/services';
import { testImapEndpoint } from '../shared/endpoints/connection-test';
import { assertTransportAllowed, connectionChanges, passwordRequired } from '../shared/endpoints/rules';
import { deleteEndpointSecret, withNewSecret } from '../shared/endpoints/secrets';
import { parseEndpoint } from '../shared/mail/settings';
import { endpointFor, passwordFor } from '../shared/migration/connectors';
import { graphFor, graphSettingsOf } from '../shared/migration/microsoft365';
import {
  checkMicrosoft365Mailbox,
  imapOAuthLogin,
  microsoft365Graph,
  microsoft365SettingsOf,
} from '../shared/migration/microsoft365-endpoint';
import { ENDPOINT_TYPES } from '../shared/state';
import { parseLdapSettings, testDirectoryEndpoint } from '../shared/directory';
import { validatePimSettings } from '../shared/pim/sources';
import { endpointSecretName, secretRef } from '../shared/secrets/refs';
import { endpointParams, parseParams } from './route-params';
import { answering, invalidBody, json, problem } from './http-answers';

/**
 * Migration endpoints: where mail comes from and goes to. The admin password goes to the secret
 * store; the endpoint row keeps only a reference, and no answer ever contains it. Everything is
 * checked before a password is written, and a refused request never replaces the one in use
 * (shared/endpoints/secrets.ts); where a password may be sent: shared/endpoints/rules.ts.
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
      if (input.type === 'imap') assertTransportAllowed(input.name, parseEndpoint(input.settings, 'source'));
      if (input.type === 'imap') validatePimSettings(input.settings);
      await storePimPasswords(input.name, input.settings, pimPasswords);
      if (input.type === 'graph') graphSettingsOf(input);
      if (input.type === 'ldap') parseLdapSettings(input.settings, input.name);
      if (input.type === 'microsoft365') microsoft365SettingsOf(input);
      const svc = services();
      const endpoint = await withNewSecret(svc.secrets, input.name, password, (ref) =>
        svc.state.endpoints.create({ ...input, secretRef: ref }),
      );
      return json(201, { endpoint });
    }),
});

/**
 * Changes an endpoint, in use or not: a new password or host must not mean a new batch. Moving it to
 * another server (host, port, security, trusted certificate) needs the password again.
 */
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
      const name = parseParams(request, endpointParams).name;
      const current = await svc.state.endpoints.get(name);
      const { password, pimPasswords, ...patch } = parsed.data;
      const { settings } = patch;
      if (settings && current.type === 'imap') validatePimSettings(settings);
      if (settings) await storePimPasswords(current.name, settings, pimPasswords);
      if (settings && current.type === 'imap')
        assertTransportAllowed(current.name, parseEndpoint(settings, 'source'));
      if (settings && current.type === 'graph') graphSettingsOf({ ...current, settings });
      if (settings && current.type === 'ldap') parseLdapSettings(settings, current.name);
      if (settings && current.type === 'microsoft365') microsoft365SettingsOf({ ...current, settings });
      let replaced: string | undefined;
      const endpoint = await withNewSecret(svc.secrets, current.name, password, (ref) =>
        svc.state.endpoints.update(name, (latest) => {
          // Checked against the row as it is now, inside the conditional write's retry.
          if (settings && latest.type === 'imap' && latest.secretRef && !ref) {
            const changed = connectionChanges(
              parseEndpoint(latest.settings, 'source'),
              parseEndpoint(settings, 'source'),
            );
            if (changed.length) throw passwordRequired(latest.name, changed);
          }
          replaced = ref ? latest.secretRef : undefined;
          return { ...patch, ...(ref ? { secretRef: ref } : {}) };
        }),
      );
      // The row now points at the new password: the old one goes.
      if (replaced) await deleteEndpointSecret(svc.secrets, current.name, replaced);
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
      const endpoint = await endpointFor(svc, parseParams(request, endpointParams).name, 'source');
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
      if (endpoint.type === 'ldap') return json(200, await testDirectoryEndpoint(svc, endpoint));
      if (endpoint.type === 'microsoft365') {
        // The tenant through Graph; with an address, that mailbox over IMAP (XOAUTH2 login + LIST).
        const started = Date.now();
        const body = (await request.json().catch(() => ({}))) as { emailAddress?: string };
        const org = await (
          await microsoft365Graph(svc, endpoint)
        ).get<{
          value: Array<{ displayName: string }>;
        }>('/organization');
        if (body.emailAddress) await checkMicrosoft365Mailbox(svc, endpoint, body.emailAddress);
        return json(200, {
          ok: true,
          endpoint: endpoint.name,
          tenant: org.value[0]?.displayName,
          ...(body.emailAddress ? { mailboxChecked: body.emailAddress } : {}),
          ms: Date.now() - started,
        });
      }
      if (endpoint.type !== 'imap')
        return problem(
          400,
          'ENDPOINT_TYPE_UNSUPPORTED',
          'Only imap, graph and microsoft365 endpoints can be tested.',
        );
      const body = (await request.json().catch(() => ({}))) as { emailAddress?: string };
      const settings = parseEndpoint(endpoint.settings, 'source');
      const email = body.emailAddress ?? settings.admin?.user ?? 'postmaster';
      const started = Date.now();
      const { capabilities } = await testImapEndpoint(endpoint.name, settings, {
        email,
        password: await passwordFor(svc, endpoint, undefined),
        ...(await imapOAuthLogin(svc, endpoint)),
      });
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
      const name = parseParams(request, endpointParams).name;
      const current = await svc.state.endpoints.find(name);
      if (!current || !(await svc.state.deleteEndpoint(name)))
        return problem(404, 'ENDPOINT_NOT_FOUND', `No endpoint named "${name}".`);
      await deleteEndpointSecret(svc.secrets, current.name, current.secretRef);
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
