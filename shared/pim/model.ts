/**
 * Contacts and calendars, as every PIM source (CalDAV/CardDAV, Exchange 2007 EWS) hands them to the
 * Microsoft 365 writer: one neutral model, so each source converts once and the Graph mapping
 * (recurrence, time zones, the attendee block, contact fields) lives in one place.
 *
 * Times are wall-clock in a named zone, as iCalendar and Graph both think of them. Recurrence is
 * an iCalendar RRULE (RFC 5545) because every source can say its rules that way (EWS's
 * RecurrenceType maps to RRULE one to one) and the Graph writer decides once what Graph can
 * express and what becomes single events.
 */

/** A calendar or an address book of one user on the source. */
export interface PimCollection {
  /** The source's stable id (DAV: the collection URL path; EWS: the FolderId). */
  id: string;
  kind: 'calendar' | 'contacts';
  displayName: string;
  /** The user's default calendar / address book: goes to the target's default one. */
  isDefault: boolean;
}

/** An item as listed (cheap): its id and a version that changes whenever the item changes. */
export interface PimItemRef {
  /** Stable per collection (DAV: href; EWS: ItemId Id). */
  id: string;
  /** DAV: ETag; EWS: ChangeKey. */
  version: string;
}

/** Wall-clock time in a zone: `dateTime` as `YYYY-MM-DDTHH:mm:ss` (no offset). */
export interface ZonedTime {
  dateTime: string;
  /** An IANA name (`Europe/Berlin`), a Windows name (`W. Europe Standard Time`), or `UTC`. */
  timeZone: string;
}

export interface PimPerson {
  name?: string;
  address: string;
}

export interface PimAttendee extends PimPerson {
  role: 'required' | 'optional' | 'resource';
  response: 'none' | 'accepted' | 'declined' | 'tentative' | 'needsAction';
}

export interface PimAttachment {
  name: string;
  contentType: string;
  /** Size in bytes, known before the bytes are read (limits are checked on it). */
  size: number;
  /** Base64 content; absent when the source only lists it (fetched on demand by the source). */
  contentBase64?: string;
}

export interface PimEventFields {
  subject: string;
  body?: { contentType: 'html' | 'text'; content: string };
  location?: string;
  start: ZonedTime;
  end: ZonedTime;
  /** All-day: start and end are midnights (end exclusive), in the event's zone. */
  isAllDay: boolean;
  showAs?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere';
  sensitivity?: 'normal' | 'personal' | 'private' | 'confidential';
  importance?: 'low' | 'normal' | 'high';
  categories?: string[];
  /** Minutes before start; undefined = no reminder. */
  reminderMinutes?: number;
}

export interface PimEvent extends PimEventFields {
  kind: 'event';
  /** iCalendar UID (EWS: UID or the ItemId): the same event in every calendar it appears in. */
  uid: string;
  organizer?: PimPerson;
  attendees: PimAttendee[];
  /** RRULE value without the `RRULE:` prefix, e.g. `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`. */
  rrule?: string;
  /** Extra instances (RDATE) and excluded ones (EXDATE), as wall-clock times in `start.timeZone`. */
  rdates?: string[];
  exdates?: string[];
  /** Occurrences edited on the source, keyed by their original start (wall clock, `start.timeZone`). */
  exceptions: Array<{ originalStart: string } & PimEventFields>;
  attachments: PimAttachment[];
}

export interface PimAddress {
  street?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  countryOrRegion?: string;
}

export interface PimContact {
  kind: 'contact';
  uid: string;
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
  emails: PimPerson[];
  businessPhones: string[];
  homePhones: string[];
  mobilePhone?: string;
  businessAddress?: PimAddress;
  homeAddress?: PimAddress;
  otherAddress?: PimAddress;
  /** `YYYY-MM-DD`. */
  birthday?: string;
  notes?: string;
  categories?: string[];
  photo?: { contentType: string; contentBase64: string };
}

/** An item the source could read but that cannot become a Graph item (a vCard group, a broken file). */
export interface PimUnsupported {
  kind: 'unsupported';
  /** What a person would call it: the event summary, the contact's name, or the href. */
  label: string;
  /** The coded reason, e.g. PIM_DISTRIBUTION_LIST, PIM_MALFORMED. */
  code: string;
  message: string;
}

export type PimItem = PimEvent | PimContact | PimUnsupported;

/** One fetched item with the ref it was fetched for. */
export interface PimFetched {
  ref: PimItemRef;
  item: PimItem;
}

/**
 * A read-only PIM source for one mailbox. Calls are bounded: `list` returns refs only, `fetch`
 * takes at most a page of ids (the caller pages). A source never writes.
 */
export interface PimSource {
  collections(): Promise<PimCollection[]>;
  list(collection: PimCollection): Promise<PimItemRef[]>;
  fetch(collection: PimCollection, refs: PimItemRef[]): Promise<PimFetched[]>;
  close(): Promise<void>;
}
