import { createHash } from 'node:crypto';
import { graphError, isReply, jsonBody, page, type GraphReply, type GraphRequest } from './http';
import { ODataError, evaluate, parseFilter, select } from './odata';
import { checkBody, checkQuery } from './schema/validate';
import { newMailbox, type StandinState, type StandinUser } from './state';

/**
 * Directory side of the stand-in: organization, domains, subscribedSkus, users, assignLicense,
 * password profile. A user without a mailbox gets one `mailboxDelayMs` after an Exchange licence is
 * assigned, as Exchange Online provisions mailboxes some minutes after licensing.
 */
export class Directory {
  constructor(
    private readonly state: StandinState,
    private readonly mailboxDelayMs: number,
  ) {}

  /** Brings a user's mailbox into being once its provisioning delay has passed. */
  refresh(user: StandinUser, now: number = Date.now()): void {
    if (!user.hasMailbox && user.mailboxReadyAt !== null && user.mailboxReadyAt <= now) {
      user.hasMailbox = true;
      user.mail ??= user.userPrincipalName;
      if (!this.state.mailboxes.has(user.id)) this.state.mailboxes.set(user.id, newMailbox());
    }
  }

  /** By id or userPrincipalName, case-insensitive. */
  findUser(idOrUpn: string): StandinUser | undefined {
    const key = decodeURIComponent(idOrUpn).toLowerCase();
    for (const u of this.state.users.values()) {
      if (u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key) {
        this.refresh(u);
        return u;
      }
    }
    return undefined;
  }

  userJson(u: StandinUser): Record<string, unknown> {
    const exchangeSkus = this.state.skus.filter((s) => s.includesExchange).map((s) => s.skuId);
    const licensed = u.assignedLicenses.some((l) => exchangeSkus.includes(l.skuId));
    return {
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      displayName: u.displayName,
      mail: u.mail,
      proxyAddresses: u.proxyAddresses,
      usageLocation: u.usageLocation,
      onPremisesSyncEnabled: u.onPremisesSyncEnabled,
      accountEnabled: u.accountEnabled,
      assignedLicenses: u.assignedLicenses,
      provisionedPlans:
        licensed || u.hasMailbox
          ? [
              {
                capabilityStatus: 'Enabled',
                provisioningStatus: u.hasMailbox ? 'Success' : 'PendingInput',
                service: 'exchange',
              },
            ]
          : [],
    };
  }

  handle(req: GraphRequest): GraphReply | null {
    const parts = req.path.split('/').filter(Boolean);
    const [root, id, sub] = parts;
    const s = this.state;
    if (req.method === 'GET' && parts.length === 1 && root === 'organization') {
      const org = {
        ...s.organization,
        verifiedDomains: s.domains
          .filter((d) => d.isVerified)
          .map((d) => ({ name: d.id, isDefault: d.isDefault, isInitial: d.isInitial, type: 'Managed' })),
      };
      return { status: 200, body: { value: [select(org, req.query.get('$select'))] } };
    }
    if (req.method === 'GET' && parts.length === 1 && root === 'domains') {
      return page(
        req,
        s.domains.map((d) => ({ ...d, supportedServices: ['Email'] })),
        100,
        999,
      );
    }
    if (req.method === 'GET' && parts.length === 1 && root === 'subscribedSkus') {
      return {
        status: 200,
        body: {
          value: s.skus.map((k) => ({
            skuId: k.skuId,
            skuPartNumber: k.skuPartNumber,
            capabilityStatus: 'Enabled',
            consumedUnits: k.consumedUnits,
            prepaidUnits: { enabled: k.prepaidUnits.enabled, suspended: 0, warning: 0 },
            servicePlans: k.includesExchange
              ? [{ servicePlanName: 'EXCHANGE_S_STANDARD', provisioningStatus: 'Success', appliesTo: 'User' }]
              : [],
          })),
        },
      };
    }
    if (root !== 'users') return null;
    if (parts.length === 1 && req.method === 'GET') return this.listUsers(req);
    if (!id) return null;
    const user = this.findUser(id);
    if (!user) {
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${decodeURIComponent(id)}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    if (parts.length === 2 && req.method === 'GET') {
      const badQuery = checkQuery('user', req, 'item');
      if (badQuery) return badQuery;
      return { status: 200, body: select(this.userJson(user), req.query.get('$select')) };
    }
    if (parts.length === 2 && req.method === 'PATCH') return this.patchUser(req, user);
    if (parts.length === 3 && sub === 'assignLicense' && req.method === 'POST')
      return this.assignLicense(req, user);
    if (parts.length === 3 && sub === 'mailboxSettings' && req.method === 'GET') {
      if (!user.hasMailbox) return noMailbox();
      return { status: 200, body: { timeZone: 'UTC', language: { locale: 'en-US' } } };
    }
    return null;
  }

  private listUsers(req: GraphRequest): GraphReply {
    const badQuery = checkQuery('user', req, 'collection', { search: true });
    if (badQuery) return badQuery;
    const filterText = req.query.get('$filter');
    let users = [...this.state.users.values()];
    users.forEach((u) => this.refresh(u));
    if (filterText) {
      if (
        /proxyAddresses/i.test(filterText) &&
        req.headers['consistencylevel']?.toLowerCase() !== 'eventual'
      ) {
        return graphError(
          400,
          'Request_UnsupportedQuery',
          "Unsupported or invalid query filter clause specified for property 'proxyAddresses' of resource 'User'. Advanced queries need ConsistencyLevel: eventual.",
        );
      }
      try {
        const filter = parseFilter(filterText);
        users = users.filter((u) => evaluate(filter, this.userJson(u)));
      } catch (e) {
        return graphError(
          400,
          'Request_UnsupportedQuery',
          `Invalid filter clause: ${(e as ODataError).message}`,
        );
      }
    }
    return page(
      req,
      users.map((u) => select(this.userJson(u), req.query.get('$select'))),
      100,
      999,
    );
  }

  private patchUser(req: GraphRequest, user: StandinUser): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const badBody = checkBody('user', body, 'update');
    if (badBody) return badBody;
    const profile = body.passwordProfile as
      { password?: unknown; forceChangePasswordNextSignIn?: unknown } | undefined;
    if (profile !== undefined) {
      if (user.onPremisesSyncEnabled) {
        return graphError(
          400,
          'Request_BadRequest',
          'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.',
        );
      }
      const password = typeof profile.password === 'string' ? profile.password : '';
      const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
      if (password.length < 8 || password.length > 256 || classes < 3) {
        return graphError(
          400,
          'Request_BadRequest',
          'The specified password does not comply with password complexity requirements. Please provide a different password.',
        );
      }
      user.passwordChanges.push({
        at: Date.now(),
        forceChangePasswordNextSignIn: profile.forceChangePasswordNextSignIn === true,
        length: password.length,
        sha256: createHash('sha256').update(password).digest('hex'),
      });
    }
    if (typeof body.usageLocation === 'string') user.usageLocation = body.usageLocation;
    return { status: 204 };
  }

  private assignLicense(req: GraphRequest, user: StandinUser): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const add = Array.isArray(body.addLicenses) ? (body.addLicenses as Array<{ skuId?: string }>) : null;
    if (!add || !Array.isArray(body.removeLicenses)) {
      return graphError(400, 'Request_BadRequest', 'addLicenses and removeLicenses are required.');
    }
    if (!user.usageLocation) {
      return graphError(
        400,
        'Request_BadRequest',
        'License assignment cannot be done for user with invalid usage location.',
      );
    }
    for (const l of add) {
      const sku = this.state.skus.find((k) => k.skuId === l.skuId);
      if (!sku)
        return graphError(
          400,
          'Request_BadRequest',
          `License ${String(l.skuId)} does not correspond to a valid company License.`,
        );
      if (user.assignedLicenses.some((a) => a.skuId === sku.skuId)) continue;
      if (sku.consumedUnits >= sku.prepaidUnits.enabled) {
        return graphError(
          400,
          'Request_BadRequest',
          `License assignment failed because there are no available licenses for ${sku.skuPartNumber}.`,
        );
      }
      sku.consumedUnits++;
      user.assignedLicenses.push({ skuId: sku.skuId, disabledPlans: [] });
      if (sku.includesExchange && !user.hasMailbox && user.mailboxReadyAt === null) {
        user.mailboxReadyAt = Date.now() + this.mailboxDelayMs;
      }
    }
    return { status: 200, body: this.userJson(user) };
  }
}

export function noMailbox(): GraphReply {
  return graphError(
    404,
    'MailboxNotEnabledForRESTAPI',
    'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
  );
}
