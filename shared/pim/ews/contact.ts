import type { PimAddress, PimContact, PimUnsupported } from '../model';
import { body, categories } from './calendar';
import { PimSkipCode } from './errors';
import { attr, child, children, text, type XNode } from './soap';

/** An EWS Contact (Exchange 2007 SP1 shape) → the neutral PimContact; a DistributionList → a listed skip. */

function entries(item: XNode, element: string): Map<string, XNode> {
  const map = new Map<string, XNode>();
  for (const e of children(child(item, element), 'Entry')) {
    const key = attr(e, 'Key');
    if (key) map.set(key, e);
  }
  return map;
}

function address(entry: XNode | undefined): PimAddress | undefined {
  if (!entry) return undefined;
  const a: PimAddress = {};
  const set = (k: keyof PimAddress, element: string) => {
    const v = text(entry, element);
    if (v) a[k] = v;
  };
  set('street', 'Street');
  set('city', 'City');
  set('state', 'State');
  set('postalCode', 'PostalCode');
  set('countryOrRegion', 'CountryOrRegion');
  return Object.keys(a).length ? a : undefined;
}

/**
 * Exchange 2007 stores a birthday as the user's local midnight in UTC, so Berlin's 12 May reads
 * `1970-05-11T22:00:00Z` and New York's `1970-05-12T04:00:00Z`: the nearest UTC midnight is the date.
 */
export function birthdayDate(value: string | undefined): string | undefined {
  const t = Date.parse(value ?? '');
  if (Number.isNaN(t)) return undefined;
  return new Date(t + 12 * 3600_000).toISOString().slice(0, 10);
}

const MAPPED_PHONES = new Set(['BusinessPhone', 'BusinessPhone2', 'HomePhone', 'HomePhone2', 'MobilePhone']);

export function mapContact(item: XNode): PimContact {
  const itemId = attr(child(item, 'ItemId'), 'Id') ?? '';
  const str = (element: string) => text(item, element) || undefined;
  const phones = entries(item, 'PhoneNumbers');
  const phone = (key: string) => text(phones.get(key)) || undefined;
  const emails = entries(item, 'EmailAddresses');
  const addresses = entries(item, 'PhysicalAddresses');
  const contact: PimContact = {
    kind: 'contact',
    uid: itemId,
    emails: ['EmailAddress1', 'EmailAddress2', 'EmailAddress3'].flatMap((k) => {
      const a = text(emails.get(k))?.replace(/^smtp:/i, '');
      return a ? [{ address: a }] : [];
    }),
    businessPhones: [phone('BusinessPhone'), phone('BusinessPhone2')].filter((p): p is string => !!p),
    homePhones: [phone('HomePhone'), phone('HomePhone2')].filter((p): p is string => !!p),
  };
  const optional: Array<[keyof PimContact, string | undefined]> = [
    ['displayName', str('DisplayName')],
    ['givenName', str('GivenName')],
    ['middleName', str('MiddleName') ?? text(child(item, 'CompleteName'), 'MiddleName')],
    ['surname', str('Surname')],
    ['title', text(child(item, 'CompleteName'), 'Title') || undefined],
    ['generation', str('Generation')],
    ['nickName', str('Nickname')],
    ['companyName', str('CompanyName')],
    ['department', str('Department')],
    ['jobTitle', str('JobTitle')],
    ['mobilePhone', phone('MobilePhone')],
    ['birthday', birthdayDate(str('Birthday'))],
  ];
  for (const [k, v] of optional) if (v) (contact as unknown as Record<string, unknown>)[k] = v;
  const business = address(addresses.get('Business'));
  if (business) contact.businessAddress = business;
  const home = address(addresses.get('Home'));
  if (home) contact.homeAddress = home;
  const other = address(addresses.get('Other'));
  if (other) contact.otherAddress = other;
  // Numbers Graph has no field for (fax, pager, assistant...) go to the notes rather than vanish.
  const extra = [...phones.entries()]
    .filter(([k, e]) => !MAPPED_PHONES.has(k) && text(e))
    .map(([k, e]) => `${k}: ${text(e)}`);
  const notes = [body(item)?.content, extra.length ? `Other phone numbers:\n${extra.join('\n')}` : undefined]
    .filter(Boolean)
    .join('\n\n');
  if (notes) contact.notes = notes;
  const cats = categories(item);
  if (cats) contact.categories = cats;
  return contact;
}

export function distributionListSkip(item: XNode): PimUnsupported {
  const label =
    text(item, 'DisplayName') ||
    text(item, 'Subject') ||
    (attr(child(item, 'ItemId'), 'Id') ?? 'distribution list');
  return {
    kind: 'unsupported',
    label,
    code: PimSkipCode.distributionList,
    message: `"${label}" is a distribution list (contact group): Microsoft 365 contacts cannot hold one. Recreate it in Outlook on the target, or as a Microsoft 365 group.`,
  };
}
