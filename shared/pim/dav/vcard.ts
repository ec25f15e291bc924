import ICAL from 'ical.js';
import type { PimAddress, PimContact, PimPerson, PimUnsupported } from '../model';
import { malformed } from './ical';

/**
 * One CardDAV resource (vCard 3.0 or 4.0) as a neutral PimContact. Groups (vCard 4 `KIND:group`,
 * Apple's `X-ADDRESSBOOKSERVER-KIND:group`) cannot be Graph contacts and come back as PimUnsupported.
 */
type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;

function types(p: Property): string[] {
  const t = p.getParameter('type');
  const list = Array.isArray(t) ? t : t ? [t] : [];
  return list.flatMap((x) => String(x).toLowerCase().split(','));
}

function str(v: unknown): string {
  if (Array.isArray(v)) return v.map(str).filter(Boolean).join(' ');
  return v === undefined || v === null ? '' : String(v).trim();
}

function address(p: Property): PimAddress {
  const v = p.getFirstValue() as unknown;
  const parts = Array.isArray(v) ? v.map(str) : String(v ?? '').split(';');
  // ADR: post office box; extended address; street; locality; region; postal code; country.
  const street = [parts[0], parts[1], parts[2]].filter(Boolean).join('\n');
  const out: PimAddress = {};
  if (street) out.street = street;
  if (parts[3]) out.city = parts[3];
  if (parts[4]) out.state = parts[4];
  if (parts[5]) out.postalCode = parts[5];
  if (parts[6]) out.countryOrRegion = parts[6];
  return out;
}

function birthday(p: Property | null): string | undefined {
  if (!p) return undefined;
  const v = p.getFirstValue() as unknown;
  const s =
    v && typeof v === 'object' && 'year' in v ? (v as { toString(): string }).toString() : String(v ?? '');
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

function photo(card: Component): PimContact['photo'] {
  const p = card.getFirstProperty('photo');
  if (!p) return undefined;
  const value = String(p.getFirstValue() ?? '');
  // vCard 4: data: URI; vCard 3: ENCODING=b with TYPE=JPEG.
  const uri = /^data:([^;,]+)?(?:;[^,]*)?;base64,(.*)$/s.exec(value);
  if (uri) return { contentType: uri[1] ?? 'image/jpeg', contentBase64: uri[2]!.replace(/\s+/g, '') };
  const enc = String(p.getParameter('encoding') ?? '').toLowerCase();
  if (enc === 'b' || enc === 'base64') {
    const t = types(p)[0] ?? 'jpeg';
    return { contentType: t.includes('/') ? t : `image/${t}`, contentBase64: value.replace(/\s+/g, '') };
  }
  return undefined; // A photo by URL would need a fetch from a third server: left out.
}

export function parseVCard(text: string, label: string): PimContact | PimUnsupported {
  let card: Component;
  try {
    card = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch (e) {
    return malformed(label, `not a valid vCard (${(e as Error).message})`);
  }
  if (card.name !== 'vcard') return malformed(label, 'not a vCard');
  const fn = str(card.getFirstPropertyValue('fn'));
  const kind = str(
    card.getFirstPropertyValue('kind') ?? card.getFirstPropertyValue('x-addressbookserver-kind'),
  ).toLowerCase();
  if (kind === 'group' || (kind === 'org' && card.getFirstProperty('member'))) {
    return {
      kind: 'unsupported',
      label: fn || label,
      code: 'PIM_DISTRIBUTION_LIST',
      message: `"${fn || label}" is a contact group (distribution list); Microsoft Graph has no contact groups, so it is not migrated: recreate it as a Microsoft 365 group or distribution list.`,
    };
  }
  const n = card.getFirstPropertyValue('n') as unknown;
  const name = Array.isArray(n) ? n.map(str) : String(n ?? '').split(';');
  const org = card.getFirstPropertyValue('org') as unknown;
  const orgParts = Array.isArray(org) ? org.map(str) : String(org ?? '').split(';');
  const emails: PimPerson[] = card
    .getAllProperties('email')
    .map((p) => ({ address: str(p.getFirstValue()).replace(/^mailto:/i, '') }))
    .filter((e) => e.address);
  const businessPhones: string[] = [];
  const homePhones: string[] = [];
  let mobilePhone: string | undefined;
  for (const p of card.getAllProperties('tel')) {
    const number = str(p.getFirstValue()).replace(/^tel:/i, '');
    if (!number) continue;
    const t = types(p);
    if ((t.includes('cell') || t.includes('mobile')) && !mobilePhone) mobilePhone = number;
    else if (t.includes('home')) homePhones.push(number);
    else businessPhones.push(number);
  }
  const contact: PimContact = {
    kind: 'contact',
    uid: str(card.getFirstPropertyValue('uid')) || label,
    emails,
    businessPhones,
    homePhones,
  };
  const set = <K extends keyof PimContact>(k: K, v: PimContact[K] | '' | undefined) => {
    if (v !== undefined && v !== '') contact[k] = v as PimContact[K];
  };
  set('displayName', fn);
  set('surname', name[0]);
  set('givenName', name[1]);
  set('middleName', name[2]);
  set('title', name[3]);
  set('generation', name[4]);
  set('nickName', str(card.getFirstPropertyValue('nickname')));
  set('companyName', orgParts[0]);
  set('department', orgParts.slice(1).filter(Boolean).join(', '));
  set('jobTitle', str(card.getFirstPropertyValue('title')));
  set('mobilePhone', mobilePhone);
  for (const p of card.getAllProperties('adr')) {
    const t = types(p);
    const key = t.includes('home') ? 'homeAddress' : t.includes('work') ? 'businessAddress' : 'otherAddress';
    if (!contact[key]) contact[key] = address(p);
  }
  set('birthday', birthday(card.getFirstProperty('bday')));
  set('notes', str(card.getFirstPropertyValue('note')));
  const categories = card
    .getAllProperties('categories')
    .flatMap((p) => p.getValues().map(str))
    .filter(Boolean);
  if (categories.length) contact.categories = categories;
  set('photo', photo(card));
  return contact;
}
