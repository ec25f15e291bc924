import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import { parseSecretRef } from '../secrets/refs';
import type { Endpoint } from '../state';
import { withDirectory } from './client';
import { parseLdapSettings, type LdapSettings } from './settings';

/** The directory endpoint `name` with its settings and bind password (read per call, never kept). */
export async function directoryFor(
  svc: Services,
  name: string,
): Promise<{ endpoint: Endpoint; settings: LdapSettings; password: string | undefined }> {
  const endpoint = await svc.state.endpoints.find(name);
  if (!endpoint || endpoint.type !== 'ldap') {
    throw new CodedError(
      'DIRECTORY_ENDPOINT_NOT_FOUND',
      endpoint
        ? `Endpoint "${name}" is a ${endpoint.type} endpoint, not a directory: set the batch's directory option to an ldap endpoint.`
        : `There is no directory endpoint "${name}": create it with POST /api/endpoints {"type": "ldap", ...}.`,
      { endpoint: name },
    );
  }
  const settings = parseLdapSettings(endpoint.settings, endpoint.name);
  const password = endpoint.secretRef ? await svc.secrets.get(parseSecretRef(endpoint.secretRef)) : undefined;
  return { endpoint, settings, password };
}

/** The endpoint test of an ldap endpoint: bind, then one search at the base DN. */
export async function testDirectoryEndpoint(
  svc: Services,
  endpoint: Endpoint,
): Promise<{ ok: true; endpoint: string; boundAs: string; loggedInAs: string; baseDn: string; ms: number }> {
  const { settings, password } = await directoryFor(svc, endpoint.name);
  const started = Date.now();
  const { baseDn } = await withDirectory(settings, password, (d) => d.probe());
  const boundAs = settings.bindDn;
  return {
    ok: true,
    endpoint: endpoint.name,
    boundAs,
    loggedInAs: boundAs,
    baseDn,
    ms: Date.now() - started,
  };
}
