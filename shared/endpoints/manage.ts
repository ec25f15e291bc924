import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import { parseEndpoint } from '../mail/settings';
import type { Endpoint } from '../state';
import type { CreateEndpointRequest, UpdateEndpointRequest } from './requests';
import { storePimPasswords } from './pim-passwords';
import { connectionChanges, passwordRequired } from './rules';
import { deleteEndpointSecret, withNewSecret } from './secrets';
import { checkEndpointSettings } from './settings-check';

/**
 * Migration endpoints: where mail comes from and goes to. The admin password goes to the secret
 * store; the endpoint row keeps only a reference. Everything is checked before a password is
 * written, and a refused request never replaces the one in use (secrets.ts); where a password may
 * be sent: rules.ts.
 */
export async function createEndpoint(svc: Services, request: CreateEndpointRequest): Promise<Endpoint> {
  const { password, pimPasswords, ...input } = request;
  checkEndpointSettings(input.type, input.name, input.settings);
  await storePimPasswords(svc.secrets, input.name, input.settings, pimPasswords);
  return withNewSecret(svc.secrets, input.name, password, (ref) =>
    svc.state.endpoints.create({ ...input, secretRef: ref }),
  );
}

/**
 * Changes an endpoint, in use or not: a new password or host must not mean a new batch. Moving it to
 * another server (host, port, security, trusted certificate) needs the password again.
 */
export async function updateEndpoint(
  svc: Services,
  name: string,
  request: UpdateEndpointRequest,
): Promise<Endpoint> {
  const current = await svc.state.endpoints.get(name);
  const { password, pimPasswords, ...patch } = request;
  const { settings } = patch;
  if (settings) {
    checkEndpointSettings(current.type, current.name, settings);
    await storePimPasswords(svc.secrets, current.name, settings, pimPasswords);
  }
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
  return endpoint;
}

/** Removes an endpoint no batch uses (ENDPOINT_IN_USE otherwise), and its password. */
export async function removeEndpoint(svc: Services, name: string): Promise<void> {
  const current = await svc.state.endpoints.find(name);
  if (!current || !(await svc.state.deleteEndpoint(name)))
    throw new CodedError('ENDPOINT_NOT_FOUND', `No endpoint named "${name}".`, { endpoint: name });
  await deleteEndpointSecret(svc.secrets, current.name, current.secretRef);
}
