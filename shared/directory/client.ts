import { isIP } from 'node:net';
import { Attribute, Change, Client, EqualityFilter, type Filter } from 'ldapts';
import { CodedError } from '../domain/errors';
import { directoryError } from './errors';
import { DIRECTORY_LIMITS } from './limits';
import type { FindBy, LdapSettings } from './settings';

/** The directory attributes the cutover reads; `msExchMailboxGuid` is binary. */
export const USER_ATTRIBUTES = [
  'mail',
  'mailNickname',
  'proxyAddresses',
  'userPrincipalName',
  'targetAddress',
  'legacyExchangeDN',
  'msExchMailboxGuid',
] as const;

export interface DirectoryUser {
  dn: string;
  mail?: string;
  mailNickname?: string;
  userPrincipalName?: string;
  targetAddress?: string;
  legacyExchangeDN?: string;
  proxyAddresses: string[];
  msExchMailboxGuid?: Buffer;
}

/**
 * One bound connection to the source directory. Every write is conditional on the value read
 * before it (an LDAP modify that deletes the old value and adds the new one in one operation is
 * atomic on the entry), so a value someone changed in between is never overwritten and a failed
 * write leaves the old value.
 */
export class DirectoryClient {
  private constructor(
    private readonly client: Client,
    readonly settings: LdapSettings,
  ) {}

  static async open(settings: LdapSettings, password: string | undefined): Promise<DirectoryClient> {
    const tlsOptions = {
      rejectUnauthorized: true,
      ...(settings.caCertificatePem ? { ca: [settings.caCertificatePem] } : {}),
    };
    const client = new Client({
      url: settings.url,
      connectTimeout: DIRECTORY_LIMITS.connectTimeoutMs,
      timeout: DIRECTORY_LIMITS.operationTimeoutMs,
      ...(settings.security === 'tls' ? { tlsOptions } : {}),
    });
    const where = { url: settings.url, dn: settings.bindDn, op: 'bind' };
    try {
      if (settings.security === 'starttls') {
        try {
          // The certificate must name the URL's host (an IP address is checked against its IP SANs).
          const host = new URL(settings.url).hostname.replace(/^\[|\]$/g, '');
          await client.startTLS({ ...tlsOptions, host, ...(isIP(host) ? {} : { servername: host }) });
        } catch (e) {
          const inner = directoryError(e, where);
          if (inner.code === 'DIRECTORY_UNREACHABLE') throw inner;
          throw new CodedError(
            'DIRECTORY_TLS_FAILED',
            `${settings.url} did not start TLS (${e instanceof Error ? e.message : String(e)}): enable StartTLS on the directory, use ldaps://, or give its CA as settings.caCertificatePem.`,
            { url: settings.url },
          );
        }
      }
      if (!password) {
        throw new CodedError(
          'DIRECTORY_BIND_FAILED',
          `The directory endpoint has no password for ${settings.bindDn}: set it with PUT /api/endpoints/{name} {"password": ...}.`,
          { url: settings.url },
        );
      }
      await client.bind(settings.bindDn, password);
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw directoryError(e, where);
    }
    return new DirectoryClient(client, settings);
  }

  /** One search at the base DN: the endpoint test. */
  async probe(): Promise<{ baseDn: string }> {
    const { baseDn, url } = this.settings;
    try {
      await this.client.search(baseDn, { scope: 'base', attributes: ['1.1'], sizeLimit: 1 });
    } catch (e) {
      throw directoryError(e, { url, dn: baseDn, op: 'search' });
    }
    return { baseDn };
  }

  /** The one user whose `findBy` attribute is `address`; DIRECTORY_USER_NOT_FOUND / _AMBIGUOUS otherwise. */
  async findUser(address: string, findBy: FindBy = this.settings.findBy): Promise<DirectoryUser> {
    const a = address.trim();
    const filter: Filter =
      findBy === 'proxyAddresses'
        ? new EqualityFilter({ attribute: 'proxyAddresses', value: `smtp:${a}` })
        : new EqualityFilter({ attribute: findBy, value: a });
    const { url, baseDn } = this.settings;
    let entries;
    try {
      ({ searchEntries: entries } = await this.client.search(baseDn, {
        scope: 'sub',
        filter,
        attributes: [...USER_ATTRIBUTES],
        explicitBufferAttributes: ['msExchMailboxGuid'],
        sizeLimit: DIRECTORY_LIMITS.userSearchSizeLimit,
      }));
    } catch (e) {
      if ((e as { code?: unknown }).code === 4 /* sizeLimitExceeded */) entries = [{}, {}];
      else throw directoryError(e, { url, dn: baseDn, op: 'search' });
    }
    if (entries.length === 0) {
      throw new CodedError(
        'DIRECTORY_USER_NOT_FOUND',
        `No directory user under ${baseDn} has ${findBy === 'proxyAddresses' ? 'proxyAddresses smtp:' : `${findBy} `}${a}: check the address in the CSV, or the directory endpoint's findBy and baseDn.`,
        { emailAddress: a },
      );
    }
    if (entries.length > 1) {
      throw new CodedError(
        'DIRECTORY_USER_AMBIGUOUS',
        `Several directory users under ${baseDn} match ${a} by ${findBy}: make the address unique to one user (or choose another findBy), then retry forwarding (POST /api/batches/{id}/forwarding).`,
        { emailAddress: a },
      );
    }
    return toUser(entries[0] as Record<string, unknown>);
  }

  async read(dn: string): Promise<DirectoryUser | undefined> {
    try {
      const { searchEntries } = await this.client.search(dn, {
        scope: 'base',
        attributes: [...USER_ATTRIBUTES],
        explicitBufferAttributes: ['msExchMailboxGuid'],
      });
      return searchEntries[0] ? toUser(searchEntries[0] as Record<string, unknown>) : undefined;
    } catch (e) {
      const err = directoryError(e, { url: this.settings.url, dn, op: 'read' });
      if (err.code === 'DIRECTORY_ENTRY_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /**
   * Sets single-valued `attribute` from `from` (undefined: absent) to `to` (undefined: remove) in
   * one atomic modify that fails if the current value is no longer `from`.
   */
  async swap(dn: string, attribute: string, from: string | undefined, to: string | undefined): Promise<void> {
    const changes: Change[] = [];
    if (from !== undefined)
      changes.push(
        new Change({ operation: 'delete', modification: new Attribute({ type: attribute, values: [from] }) }),
      );
    if (to !== undefined)
      changes.push(
        new Change({ operation: 'add', modification: new Attribute({ type: attribute, values: [to] }) }),
      );
    await this.modify(dn, changes, `change ${attribute} of`);
  }

  async modify(dn: string, changes: Change[], op = 'modify'): Promise<void> {
    if (changes.length === 0) return;
    try {
      await this.client.modify(dn, changes);
    } catch (e) {
      throw directoryError(e, { url: this.settings.url, dn, op });
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => undefined);
  }
}

function one(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined || v === '' ? undefined : String(v);
}

function many(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

function toUser(e: Record<string, unknown>): DirectoryUser {
  const guid = e.msExchMailboxGuid;
  const guidBuf = Array.isArray(guid) ? guid[0] : guid;
  return {
    dn: String(e.dn),
    mail: one(e.mail),
    mailNickname: one(e.mailNickname),
    userPrincipalName: one(e.userPrincipalName),
    targetAddress: one(e.targetAddress),
    legacyExchangeDN: one(e.legacyExchangeDN),
    proxyAddresses: many(e.proxyAddresses),
    msExchMailboxGuid: Buffer.isBuffer(guidBuf) && guidBuf.length ? guidBuf : undefined,
  };
}

/** Opens, runs `use`, always closes. */
export async function withDirectory<T>(
  settings: LdapSettings,
  password: string | undefined,
  use: (d: DirectoryClient) => Promise<T>,
): Promise<T> {
  const d = await DirectoryClient.open(settings, password);
  try {
    return await use(d);
  } finally {
    await d.close();
  }
}
