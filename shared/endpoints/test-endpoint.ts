import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import { testDirectoryEndpoint } from '../directory';
import { readOrganization } from '../graph/preflight';
import { parseEndpoint } from '../mail/settings';
import { endpointFor, passwordFor } from '../migration/connectors';
import { graphClientFor } from '../migration/microsoft365';
import { checkMicrosoft365Mailbox, imapOAuthLogin } from '../migration/microsoft365-endpoint';
import type { Endpoint } from '../state';
import { testImapEndpoint } from './connection-test';
import type { TestEndpointRequest } from './requests';

/**
 * "Does this endpoint work?", answered with one real connection and what it found: a Graph or
 * Microsoft 365 tenant's name (and, for Microsoft 365 with an address, that mailbox opened over
 * IMAP with an XOAUTH2 login and a LIST), a directory bind, or an IMAP login and the server's
 * capabilities. A failure is a CodedError that says what to fix.
 */
export type EndpointTestResult = { ok: true; endpoint: string; ms: number } & Record<string, unknown>;

export async function testEndpoint(
  svc: Services,
  name: string,
  request: TestEndpointRequest,
): Promise<EndpointTestResult> {
  const endpoint = await endpointFor(svc, name, 'source');
  switch (endpoint.type) {
    case 'graph':
    case 'microsoft365':
      return testTenant(svc, endpoint, request.emailAddress);
    case 'ldap':
      return testDirectoryEndpoint(svc, endpoint);
    case 'imap':
      return testImap(svc, endpoint, request.emailAddress);
    default:
      throw new CodedError(
        'ENDPOINT_TYPE_UNSUPPORTED',
        'Only imap, ldap, graph and microsoft365 endpoints can be tested.',
        {
          endpoint: endpoint.name,
        },
      );
  }
}

async function testTenant(
  svc: Services,
  endpoint: Endpoint,
  emailAddress: string | undefined,
): Promise<EndpointTestResult> {
  const started = Date.now();
  const org = await readOrganization(await graphClientFor(svc, endpoint));
  if (endpoint.type === 'graph') {
    const directorySync = org?.onPremisesSyncEnabled === true;
    return {
      ok: true,
      endpoint: endpoint.name,
      tenant: org?.displayName,
      directorySync,
      ms: Date.now() - started,
    };
  }
  if (emailAddress) await checkMicrosoft365Mailbox(svc, endpoint, emailAddress);
  return {
    ok: true,
    endpoint: endpoint.name,
    tenant: org?.displayName,
    ...(emailAddress ? { mailboxChecked: emailAddress } : {}),
    ms: Date.now() - started,
  };
}

async function testImap(
  svc: Services,
  endpoint: Endpoint,
  emailAddress: string | undefined,
): Promise<EndpointTestResult> {
  const settings = parseEndpoint(endpoint.settings, 'source');
  const email = emailAddress ?? settings.admin?.user ?? 'postmaster';
  const started = Date.now();
  const { capabilities } = await testImapEndpoint(endpoint.name, settings, {
    email,
    password: await passwordFor(svc, endpoint, undefined),
    ...(await imapOAuthLogin(svc, endpoint)),
  });
  return { ok: true, endpoint: endpoint.name, loggedInAs: email, capabilities, ms: Date.now() - started };
}
