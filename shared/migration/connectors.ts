import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import { closeImap, openImap } from '../mail/login';
import { parseEndpoint } from '../mail/settings';
import { parseSecretRef } from '../secrets/refs';
import type { Endpoint, Mailbox } from '../state';
import type { StepError, StepResult } from '../workflow/names';
import { provisionMicrosoft365, type Provisioning } from './microsoft365';
import { checkMicrosoft365Mailbox, imapOAuthLogin } from './microsoft365-endpoint';

/**
 * Resolves a batch's endpoints and secrets for one mailbox, and the checks that need a connection.
 * Secrets are read per call and never kept.
 */
export async function endpointFor(svc: Services, name: string, side: 'source' | 'target'): Promise<Endpoint> {
  const endpoint = await svc.state.endpoints.find(name);
  if (!endpoint) {
    throw new CodedError(
      'ENDPOINT_NOT_FOUND',
      `The batch's ${side} endpoint "${name}" does not exist; create it with POST /api/endpoints (or \`mailferry endpoint add\`).`,
      { endpoint: name, side },
    );
  }
  return endpoint;
}

/** The password to log in with: the row's own (IMAP CSV) or the endpoint admin's. */
export async function passwordFor(
  svc: Services,
  endpoint: Endpoint,
  mailbox: Mailbox | undefined,
): Promise<string | undefined> {
  const ref = mailbox?.userName && mailbox.passwordRef ? mailbox.passwordRef : endpoint.secretRef;
  return ref ? svc.secrets.get(parseSecretRef(ref)) : undefined;
}

/**
 * Provisioning one target mailbox, one look at a time: IMAP targets must accept a login; Microsoft
 * 365 targets must have a user with a mailbox (a licence is assigned when configured, and the
 * caller waits `waitSeconds` with a durable timer before the next look).
 */
export async function provisionTarget(
  svc: Services,
  batchId: string,
  email: string,
  attempt: number,
): Promise<StepResult<Provisioning & { warning?: StepError }>> {
  try {
    const batch = await svc.state.batches.get(batchId);
    const endpoint = await endpointFor(svc, batch.target, 'target');
    if (endpoint.type === 'graph') {
      const mailbox = await svc.state.mailboxes.get(batchId, email);
      return { ok: true, ...(await provisionMicrosoft365(svc, endpoint, mailbox, attempt)) };
    }
    if (endpoint.type === 'microsoft365') {
      // Graph makes the mailbox ready; then Exchange's IMAP must let the app in (login + LIST).
      const mailbox = await svc.state.mailboxes.get(batchId, email);
      const provisioning = await provisionMicrosoft365(svc, endpoint, mailbox, attempt);
      if (provisioning.ready) await checkMicrosoft365Mailbox(svc, endpoint, email);
      return { ok: true, ...provisioning };
    }
    if (endpoint.type !== 'imap') {
      return fail(
        'TARGET_TYPE_UNSUPPORTED',
        `Target endpoint type "${endpoint.type}" is not a migration target; use imap, microsoft365 or graph.`,
      );
    }
    const settings = parseEndpoint(endpoint.settings, 'target');
    const client = await openImap(
      settings,
      {
        email,
        password: await passwordFor(svc, endpoint, undefined),
        ...(await imapOAuthLogin(svc, endpoint)),
      },
      'target',
    );
    await closeImap(client);
    return { ok: true, ready: true };
  } catch (e) {
    return failFrom(e, 'TARGET_CHECK_FAILED');
  }
}

export function fail(code: string, message: string): { ok: false; error: { code: string; message: string } } {
  return { ok: false, error: { code, message } };
}

/** Coded errors keep their code; anything else is reported under `fallbackCode` with its message only. */
export function failFrom(
  e: unknown,
  fallbackCode: string,
): { ok: false; error: { code: string; message: string } } {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  return fail(typeof code === 'string' ? code : fallbackCode, message);
}
