import { z } from 'zod';
import type { Services } from '../app/services';
import { DEFAULT_MAX_MESSAGE_MB, MAX_MESSAGE_MB_CEILING } from '../mail/limits';
import { CodedError } from '../domain/errors';
import {
  applyStagedPassword,
  assignLicence,
  checkMailboxReady,
  findTargetUser,
  graphClientFromSettings,
  GraphMailTarget,
  MAILBOX_WAIT,
  preflightTenant,
  type GraphClient,
} from '../graph';
import type { MailTarget } from '../mail';
import { parseSecretRef } from '../secrets/refs';
import type { Endpoint, Mailbox } from '../state';
import { microsoft365Graph, microsoft365SettingsOf } from './microsoft365-endpoint';

/**
 * The Microsoft 365 target: a `graph` endpoint means the tenant of the app registration in the
 * M365_* settings. Its own settings only tune the migration into it.
 */
export const graphEndpointSettingsSchema = z
  .object({
    /** Exchange Online's default is 35 MB; a tenant may raise it up to 150 MB. */
    maxMessageSizeMB: z.number().positive().max(MAX_MESSAGE_MB_CEILING).default(DEFAULT_MAX_MESSAGE_MB),
    /** How often to look whether a newly licensed mailbox exists (Exchange takes minutes). */
    mailboxWaitSeconds: z.number().int().min(1).max(3600).default(MAILBOX_WAIT.intervalSeconds),
    /** Licence to assign to a user without a mailbox; default M365_LICENSE_SKU_ID. */
    licenseSkuId: z.string().uuid().optional(),
  })
  .strict();
export type GraphEndpointSettings = z.output<typeof graphEndpointSettingsSchema>;

export function graphSettingsOf(
  endpoint: Pick<Endpoint, 'name' | 'settings'> & { type?: string },
): GraphEndpointSettings {
  if (endpoint.type === 'microsoft365') {
    const { maxMessageSizeMB, mailboxWaitSeconds, licenseSkuId } = microsoft365SettingsOf(endpoint);
    return { maxMessageSizeMB, mailboxWaitSeconds, ...(licenseSkuId ? { licenseSkuId } : {}) };
  }
  const parsed = graphEndpointSettingsSchema.safeParse(endpoint.settings);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CodedError(
    'ENDPOINT_INVALID',
    `settings.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    {
      endpoint: endpoint.name,
      field: `settings.${issue?.path.join('.') ?? ''}`,
    },
  );
}

export function graphFor(svc: Services): GraphClient {
  if (!svc.settings.m365) {
    throw new CodedError(
      'M365_NOT_CONFIGURED',
      'This batch migrates into Microsoft 365, but no app registration is configured: set M365_TENANT_ID, M365_CLIENT_ID and a certificate (M365_CERTIFICATE_PEM or _PATH) or M365_CLIENT_SECRET.',
    );
  }
  return graphClientFromSettings(svc.settings.m365);
}

/** The Graph client of a Microsoft 365 target: its own app registration, or the M365_* one. */
export async function graphClientFor(svc: Services, endpoint: Endpoint): Promise<GraphClient> {
  return endpoint.type === 'microsoft365' ? microsoft365Graph(svc, endpoint) : graphFor(svc);
}

/** Once per batch: directory sync is on and every address domain is verified in the tenant. */
export async function preflightMicrosoft365(svc: Services, addresses: string[]): Promise<void> {
  await preflightTenant(graphFor(svc), addresses);
}

export type Provisioning = { ready: true } | { ready: false; waitSeconds: number };

/**
 * One look at a target user: found, mail-enabled, mailbox ready. A user without a mailbox gets the
 * configured licence on the first look; later looks wait for Exchange to create the mailbox. When
 * the mailbox is ready, a staged CSV password is applied once (cloud users only; a synced user's
 * password belongs on-premises, which the result says as a warning).
 */
export async function provisionMicrosoft365(
  svc: Services,
  endpoint: Endpoint,
  mailbox: Mailbox,
  attempt: number,
): Promise<Provisioning & { warning?: { code: string; message: string } }> {
  const client = await graphClientFor(svc, endpoint);
  const settings = graphSettingsOf(endpoint);
  const wait = { ...MAILBOX_WAIT, intervalSeconds: settings.mailboxWaitSeconds };
  const user = await findTargetUser(client, mailbox.email);
  const readiness = checkMailboxReady(user, attempt, wait);
  if (!readiness.ready) {
    const skuId = settings.licenseSkuId ?? svc.settings.m365?.licenseSkuId;
    if (readiness.state === 'no-licence') {
      // Without a licence to assign no mailbox will come: say so now, not after half an hour.
      if (!skuId) checkMailboxReady(user, wait.maxAttempts, wait);
      else await assignLicence(client, user, skuId);
    }
    return { ready: false, waitSeconds: readiness.waitSeconds };
  }
  if (mailbox.passwordRef && !mailbox.userName && !mailbox.passwordAppliedAt) {
    const ref = parseSecretRef(mailbox.passwordRef);
    const password = await svc.secrets.get(ref);
    if (password) {
      const outcome = await applyStagedPassword(client, user, password, mailbox.forceChangePassword ?? false);
      if (!outcome.applied) return { ready: true, warning: outcome.warning };
      // Applied once, for good: recorded on the mailbox so that no retry and no later run resets a
      // password the user may have changed since; then the staged secret has served its purpose.
      const now = new Date().toISOString();
      await svc.state.mailboxes.update(mailbox.batchId, mailbox.email, (m) =>
        m.passwordAppliedAt ? undefined : { passwordAppliedAt: now, passwordRef: undefined },
      );
      await svc.secrets.delete(ref);
    }
  }
  return { ready: true };
}

/** The Graph mailbox of a user as a copy target. */
export async function microsoft365Target(
  svc: Services,
  endpoint: Endpoint,
  email: string,
  onNotCarried?: (key: string, notCarried: string[]) => void,
): Promise<MailTarget> {
  const client = await graphClientFor(svc, endpoint);
  const user = await findTargetUser(client, email);
  return new GraphMailTarget(client, {
    userId: user.id,
    maxMessageBytes: graphSettingsOf(endpoint).maxMessageSizeMB * 1024 * 1024,
    ...(onNotCarried ? { onNotCarried } : {}),
  });
}
