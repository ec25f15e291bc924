import { createDAVClient, type DAVCalendar, type DAVAddressBook, type DAVResponse } from 'tsdav';
import { CodedError } from '../../domain/errors';
import { PIM_LIMITS } from '../limits';
import type { PimCollection, PimFetched, PimItemRef, PimSource } from '../model';
import { parseCalendarObject } from './ical';
import { davLogin, type DavSettings } from './settings';
import { parseVCard } from './vcard';

/**
 * CalDAV (RFC 4791) and CardDAV (RFC 6352) as a PimSource, with tsdav for the protocol (discovery
 * by RFC 6764, current-user-principal, calendar-home-set / addressbook-home-set, multiget) and
 * ical.js for the payloads. `list` is one PROPFIND (Depth 1, ETags only); an item's ETag is its
 * version, so an incremental pass fetches only what changed.
 */
type Client = Awaited<ReturnType<typeof createDAVClient>>;

const DEFAULT_NAME = /^(default|calendar|calendars|personal|home|contacts|addressbook|card)$/i;

function lastSegment(url: string): string {
  return decodeURIComponent(url.replace(/\/+$/, '').split('/').pop() ?? url);
}

function sourceError(e: unknown, url: string, login: string): CodedError {
  const msg = e instanceof Error ? e.message : String(e);
  const cause = (e as { cause?: { code?: string } })?.cause?.code;
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timeout/i.test(`${msg} ${cause ?? ''}`)) {
    return new CodedError(
      'PIM_SOURCE_UNREACHABLE',
      `The CalDAV/CardDAV server at ${url} did not answer (${cause ?? msg}); check settings.dav.url and that the server is running, then run an incremental pass.`,
      { url },
    );
  }
  if (/401|403|unauthori[sz]ed|forbidden|invalid credentials/i.test(msg)) {
    return new CodedError(
      'PIM_SOURCE_LOGIN_FAILED',
      `The CalDAV/CardDAV server at ${url} refused the login "${login}"; check settings.dav.login and the password.`,
      { url },
    );
  }
  return new CodedError(
    'PIM_SOURCE_FAILED',
    `The CalDAV/CardDAV server at ${url} answered in a way we could not use: ${msg}`,
    { url },
  );
}

function etagOf(r: DAVResponse): string {
  const v = r.props?.getetag as unknown;
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function dataOf(r: DAVResponse, kind: PimCollection['kind']): string | undefined {
  const v = (kind === 'calendar' ? r.props?.calendarData : r.props?.addressData) as unknown;
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && '_cdata' in v) return String((v as { _cdata: unknown })._cdata);
  return undefined;
}

type DavKind = 'caldav' | 'carddav';

/** What the source's calls share: the settings, the login, one client per protocol, error mapping. */
interface Dav {
  settings: DavSettings;
  client(type: DavKind): Promise<Client>;
  guard<T>(work: () => Promise<T>): Promise<T>;
}

export async function openDavSource(
  settings: DavSettings,
  login: { email: string; userName?: string; password?: string },
): Promise<PimSource> {
  const username = login.userName ?? davLogin(settings.login, login.email);
  const open = async (type: DavKind): Promise<Client> => {
    try {
      return await createDAVClient({
        serverUrl: settings.url,
        credentials: { username, password: login.password ?? '' },
        authMethod: 'Basic',
        defaultAccountType: type,
        fetchOptions: { signal: AbortSignal.timeout(60_000) },
      });
    } catch (e) {
      throw sourceError(e, settings.url, username);
    }
  };
  const clients: Partial<Record<DavKind, Promise<Client>>> = {};
  const dav: Dav = {
    settings,
    client: (type) => (clients[type] ??= open(type)),
    async guard(work) {
      try {
        return await work();
      } catch (e) {
        throw e instanceof CodedError ? e : sourceError(e, settings.url, username);
      }
    },
  };
  let known: Promise<PimCollection[]> | undefined;
  return {
    collections: () => {
      known ??= listCollections(dav);
      known.catch(() => (known = undefined));
      return known;
    },
    list: (collection) => listRefs(dav, collection),
    fetch: (collection, refs) => fetchItems(dav, collection, refs),
    async close() {
      // Plain HTTP requests: nothing held open.
    },
  };
}

async function listCollections(dav: Dav): Promise<PimCollection[]> {
  const [calendars, books] = await dav.guard(async () =>
    Promise.all([
      (await dav.client('caldav')).fetchCalendars(),
      (await dav.client('carddav')).fetchAddressBooks(),
    ]),
  );
  const out: PimCollection[] = [];
  const add = (list: Array<DAVCalendar | DAVAddressBook>, kind: PimCollection['kind']) => {
    const sorted = [...list].sort((a, b) => a.url.localeCompare(b.url));
    const preferred = sorted.find((c) => DEFAULT_NAME.test(lastSegment(c.url))) ?? sorted[0];
    for (const c of sorted) {
      const id = new URL(c.url, dav.settings.url).pathname;
      const displayName =
        typeof c.displayName === 'string' && c.displayName ? c.displayName : lastSegment(c.url);
      out.push({ id, kind, displayName, isDefault: c === preferred });
    }
  };
  // A calendar that holds only tasks (VTODO) has no events to migrate.
  add(
    calendars.filter((c) => !c.components || c.components.includes('VEVENT')),
    'calendar',
  );
  add(books, 'contacts');
  return out;
}

/** One PROPFIND (Depth 1): the collection's items with their ETags, sorted by path. */
function listRefs(dav: Dav, collection: PimCollection): Promise<PimItemRef[]> {
  return dav.guard(async () => {
    const c = await dav.client(collection.kind === 'calendar' ? 'caldav' : 'carddav');
    const url = new URL(collection.id, dav.settings.url).href;
    const answers = await c.propfind({
      url,
      props: { 'd:getetag': {}, 'd:getcontenttype': {}, 'd:resourcetype': {} },
      depth: '1',
    });
    const refs: PimItemRef[] = [];
    for (const r of answers) {
      if (!r.href || !r.ok) continue;
      const path = new URL(r.href, url).pathname;
      if (path.replace(/\/+$/, '') === collection.id.replace(/\/+$/, '')) continue;
      const type = String(r.props?.getcontenttype ?? '');
      const rt = r.props?.resourcetype as unknown;
      if (rt && typeof rt === 'object' && 'collection' in rt) continue;
      if (type && !/text\/(calendar|vcard|x-vcard)/i.test(type)) continue;
      refs.push({ id: path, version: etagOf(r) });
    }
    return refs.sort((a, b) => a.id.localeCompare(b.id));
  });
}

/** The items' payloads by multiget, PIM_LIMITS.fetchPage at a time, parsed. */
async function fetchItems(dav: Dav, collection: PimCollection, refs: PimItemRef[]): Promise<PimFetched[]> {
  if (refs.length === 0) return [];
  return dav.guard(async () => {
    const out: PimFetched[] = [];
    const byId = new Map(refs.map((r) => [r.id, r]));
    const url = new URL(collection.id, dav.settings.url).href;
    for (let i = 0; i < refs.length; i += PIM_LIMITS.fetchPage) {
      const answers = await multiGet(dav, collection, url, refs.slice(i, i + PIM_LIMITS.fetchPage));
      for (const r of answers) {
        if (!r.href) continue;
        const ref = byId.get(new URL(r.href, url).pathname);
        if (!ref) continue;
        const data = dataOf(r, collection.kind);
        // Gone between list and fetch: the next pass sees it missing.
        if (!r.ok || data === undefined) continue;
        const label = `${collection.displayName}/${lastSegment(ref.id)}`;
        const item =
          collection.kind === 'calendar'
            ? parseCalendarObject(data, label, dav.settings.defaultTimeZone)
            : parseVCard(data, label);
        out.push({ ref: { id: ref.id, version: etagOf(r) || ref.version }, item });
      }
    }
    return out;
  });
}

async function multiGet(
  dav: Dav,
  collection: PimCollection,
  url: string,
  page: readonly PimItemRef[],
): Promise<DAVResponse[]> {
  const objectUrls = page.map((r) => r.id);
  if (collection.kind === 'calendar') {
    const c = await dav.client('caldav');
    return c.calendarMultiGet({
      url,
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      objectUrls,
      depth: '1',
    });
  }
  const c = await dav.client('carddav');
  return c.addressBookMultiGet({
    url,
    props: { 'd:getetag': {}, 'card:address-data': {} },
    objectUrls,
    depth: '1',
  });
}
