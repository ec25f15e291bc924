import { PIM_LIMITS } from '../limits';
import type { PimAddress, PimContact } from '../model';

/**
 * A neutral contact as the JSON of a Graph contact. Graph keeps at most three e-mail addresses and
 * two business phones: the rest go to the notes, and `overflow` says what moved so it is listed.
 */
export interface GraphContactBody {
  displayName?: string;
  givenName?: string;
  middleName?: string;
  surname?: string;
  title?: string;
  generation?: string;
  nickName?: string;
  companyName?: string;
  department?: string;
  jobTitle?: string;
  emailAddresses: Array<{ name?: string; address: string }>;
  businessPhones: string[];
  homePhones: string[];
  mobilePhone?: string;
  businessAddress?: PimAddress;
  homeAddress?: PimAddress;
  otherAddress?: PimAddress;
  birthday?: string;
  personalNotes?: string;
  categories?: string[];
  singleValueExtendedProperties?: Array<{ id: string; value: string }>;
}

export function contactBody(c: PimContact): { body: GraphContactBody; overflow: string[] } {
  const emails = c.emails.slice(0, PIM_LIMITS.maxContactEmails);
  const extraEmails = c.emails.slice(PIM_LIMITS.maxContactEmails).map((e) => e.address);
  const phones = c.businessPhones.slice(0, PIM_LIMITS.maxBusinessPhones);
  const extraPhones = c.businessPhones.slice(PIM_LIMITS.maxBusinessPhones);
  const extra: string[] = [];
  if (extraEmails.length) extra.push(`More e-mail addresses: ${extraEmails.join(', ')}`);
  if (extraPhones.length) extra.push(`More business phones: ${extraPhones.join(', ')}`);
  const notes = [c.notes, ...extra].filter(Boolean).join('\n\n');
  const body: GraphContactBody = {
    emailAddresses: emails.map((e) => ({ address: e.address, name: e.name ?? c.displayName ?? e.address })),
    businessPhones: phones,
    homePhones: c.homePhones,
  };
  const keys = [
    'displayName',
    'givenName',
    'middleName',
    'surname',
    'title',
    'generation',
    'nickName',
    'companyName',
    'department',
    'jobTitle',
    'mobilePhone',
    'businessAddress',
    'homeAddress',
    'otherAddress',
  ] as const;
  for (const k of keys) if (c[k] !== undefined) (body as unknown as Record<string, unknown>)[k] = c[k];
  // Graph's birthday is a DateTimeOffset; noon UTC keeps the date in every zone a client shows it in.
  if (c.birthday) body.birthday = `${c.birthday}T12:00:00Z`;
  if (notes) body.personalNotes = notes;
  if (c.categories?.length) body.categories = c.categories;
  const overflow = [
    ...(extraEmails.length
      ? [
          `${extraEmails.length} e-mail address(es) beyond Graph's three moved to the notes: ${extraEmails.join(', ')}`,
        ]
      : []),
    ...(extraPhones.length
      ? [`${extraPhones.length} business phone(s) beyond Graph's two moved to the notes`]
      : []),
  ];
  return { body, overflow };
}
