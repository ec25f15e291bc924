import { CodedError } from '../domain/errors';
import type { GraphClient } from './client';
import { isGraphError } from './errors';

/**
 * The target side of one mailbox: find the Microsoft 365 user for a source address, make sure it is
 * mail-enabled, license it when it has no mailbox (the orchestrator then polls checkMailboxReady with
 * durable timers), and apply a staged CSV password to cloud-managed users only.
 */
export interface TargetUser {
  id: string;
  userPrincipalName: string;
  displayName?: string;
  mail: string | null;
  proxyAddresses: string[];
  usageLocation: string | null;
  onPremisesSyncEnabled: boolean | null;
  assignedLicenses: Array<{ skuId: string }>;
  provisionedPlans: Array<{ service: string; capabilityStatus: string; provisioningStatus: string }>;
}

const USER_FIELDS =
  'id,userPrincipalName,displayName,mail,proxyAddresses,usageLocation,onPremisesSyncEnabled,assignedLicenses,provisionedPlans';

/** How the orchestrator waits for a new mailbox: every `intervalSeconds`, at most `maxAttempts` checks. */
export const MAILBOX_WAIT: MailboxWait = { intervalSeconds: 60, maxAttempts: 30 };

export interface MailboxWait {
  intervalSeconds: number;
  maxAttempts: number;
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Finds the user whose mail, proxy address or UPN is `address`; throws GRAPH_USER_NOT_FOUND / _AMBIGUOUS. */
export async function findTargetUser(client: GraphClient, address: string): Promise<TargetUser> {
  const a = address.trim().toLowerCase();
  const filter = `mail eq ${quote(a)} or userPrincipalName eq ${quote(a)} or proxyAddresses/any(p:p eq ${quote(`smtp:${a}`)})`;
  const users = await client.all<TargetUser>(
    `/users?$filter=${encodeURIComponent(filter)}&$select=${USER_FIELDS}&$count=true`,
    { headers: { ConsistencyLevel: 'eventual' } },
  );
  if (users.length === 0) {
    throw new CodedError(
      'GRAPH_USER_NOT_FOUND',
      `No Microsoft 365 user has the address ${a} (as mail, proxy address or UPN). Check that directory sync has created the user and that the address in the CSV is the user's primary SMTP address.`,
      { emailAddress: a },
    );
  }
  if (users.length > 1) {
    throw new CodedError(
      'GRAPH_USER_AMBIGUOUS',
      `Several Microsoft 365 users match ${a}: ${users.map((u) => u.userPrincipalName).join(', ')}. Make the address unique to one user.`,
      { emailAddress: a },
    );
  }
  const user = normalise(users[0]!);
  if (!user.mail && user.proxyAddresses.length === 0) {
    throw new CodedError(
      'GRAPH_USER_NOT_MAIL_ENABLED',
      `User ${user.userPrincipalName} is not mail-enabled (no mail attribute, no proxy addresses). Set the mail attribute on-premises and let directory sync run, then retry.`,
      { emailAddress: a, userId: user.id },
    );
  }
  return user;
}

export async function getTargetUser(client: GraphClient, userId: string): Promise<TargetUser> {
  return normalise(
    await client.get<TargetUser>(`/users/${encodeURIComponent(userId)}?$select=${USER_FIELDS}`),
  );
}

function normalise(u: TargetUser): TargetUser {
  return {
    ...u,
    mail: u.mail ?? null,
    proxyAddresses: u.proxyAddresses ?? [],
    usageLocation: u.usageLocation ?? null,
    onPremisesSyncEnabled: u.onPremisesSyncEnabled ?? null,
    assignedLicenses: u.assignedLicenses ?? [],
    provisionedPlans: u.provisionedPlans ?? [],
  };
}

export type MailboxReadiness =
  | { ready: true }
  | { ready: false; state: 'no-licence' | 'provisioning'; waitSeconds: number; attemptsLeft: number };

/**
 * Pure and deterministic (safe in an orchestrator): is the user's Exchange Online mailbox there?
 * `attempt` counts checks made so far (1 for the first); past MAILBOX_WAIT.maxAttempts it throws
 * GRAPH_MAILBOX_NOT_PROVISIONED.
 */
export function checkMailboxReady(
  user: TargetUser,
  attempt: number = 1,
  wait = MAILBOX_WAIT,
): MailboxReadiness {
  const exchange = user.provisionedPlans.filter((p) => p.service.toLowerCase() === 'exchange');
  if (exchange.some((p) => p.capabilityStatus === 'Enabled' && p.provisioningStatus === 'Success')) {
    return { ready: true };
  }
  const state = exchange.length === 0 ? 'no-licence' : 'provisioning';
  const attemptsLeft = wait.maxAttempts - attempt;
  if (attemptsLeft <= 0) {
    throw new CodedError(
      'GRAPH_MAILBOX_NOT_PROVISIONED',
      state === 'no-licence'
        ? `User ${user.userPrincipalName} has no Exchange Online licence and no mailbox: assign a licence that includes Exchange Online (or set M365_LICENSE_SKU_ID), then retry the mailbox.`
        : `The mailbox of ${user.userPrincipalName} is still not provisioned after ${attempt} checks ${wait.intervalSeconds} s apart: check the licence assignment errors in the admin center, then retry the mailbox.`,
      { userId: user.id, attempts: attempt },
    );
  }
  return { ready: false, state, waitSeconds: wait.intervalSeconds, attemptsLeft };
}

interface SubscribedSku {
  skuId: string;
  skuPartNumber: string;
  consumedUnits: number;
  prepaidUnits: { enabled: number };
}

export type LicenceOutcome = 'assigned' | 'already-assigned';

/** Assigns licence `skuId` to the user after checking the SKU and the user's usageLocation. */
export async function assignLicence(
  client: GraphClient,
  user: TargetUser,
  skuId: string,
): Promise<LicenceOutcome> {
  if (user.assignedLicenses.some((l) => l.skuId.toLowerCase() === skuId.toLowerCase()))
    return 'already-assigned';
  if (!user.usageLocation) {
    throw new CodedError(
      'GRAPH_USAGE_LOCATION_MISSING',
      `User ${user.userPrincipalName} has no usage location, so no licence can be assigned: set usageLocation (for a synced user, the on-premises msExchUsageLocation attribute) and retry.`,
      { userId: user.id },
    );
  }
  const skus = await client.all<SubscribedSku>('/subscribedSkus');
  const sku = skus.find((s) => s.skuId.toLowerCase() === skuId.toLowerCase());
  if (!sku) {
    throw new CodedError(
      'GRAPH_LICENCE_SKU_UNKNOWN',
      `The tenant has no subscription with skuId ${skuId}: set M365_LICENSE_SKU_ID to a skuId from GET /subscribedSkus (available: ${skus.map((s) => s.skuPartNumber).join(', ') || 'none'}).`,
      { skuId },
    );
  }
  if (sku.consumedUnits >= sku.prepaidUnits.enabled) {
    throw new CodedError(
      'GRAPH_LICENCE_NONE_AVAILABLE',
      `All ${sku.prepaidUnits.enabled} ${sku.skuPartNumber} licences are in use: buy more or free some, then retry the mailbox.`,
      { skuId, userId: user.id },
    );
  }
  await client.post(`/users/${encodeURIComponent(user.id)}/assignLicense`, {
    addLicenses: [{ skuId: sku.skuId, disabledPlans: [] }],
    removeLicenses: [],
  });
  return 'assigned';
}

export type PasswordOutcome =
  | { applied: true; forceChangePassword: boolean }
  | { applied: false; warning: { code: string; message: string } };

/**
 * Applies the staged CSV password. Synced users' passwords belong to on-premises AD: that is a
 * warning, not a failure. The password is never echoed in a result or error.
 */
export async function applyStagedPassword(
  client: GraphClient,
  user: TargetUser,
  password: string,
  forceChangePassword: boolean,
): Promise<PasswordOutcome> {
  if (user.onPremisesSyncEnabled === true) {
    return {
      applied: false,
      warning: {
        code: 'GRAPH_PASSWORD_MANAGED_ON_PREMISES',
        message: `User ${user.userPrincipalName} is synced from on-premises, so its password is managed there; the CSV password was not applied (change it in Active Directory, or enable password hash sync).`,
      },
    };
  }
  try {
    await client.patch(`/users/${encodeURIComponent(user.id)}`, {
      passwordProfile: { password, forceChangePasswordNextSignIn: forceChangePassword },
    });
  } catch (e) {
    if (isGraphError(e) && e.status === 400) {
      throw new CodedError(
        'GRAPH_PASSWORD_REJECTED',
        `Microsoft 365 refused the CSV password for ${user.userPrincipalName} (${e.graphCode ?? 'bad request'}): use a password of 8-256 characters with three of upper case, lower case, digits and symbols.`,
        { userId: user.id, field: 'Password' },
      );
    }
    throw e;
  }
  return { applied: true, forceChangePassword };
}
