import { randomUUID } from 'node:crypto';
import type { StandinAttachment } from './state';

/**
 * What the stand-in holds for a mailbox's calendars and contacts, and the meeting mail it "sent".
 * Shapes follow Microsoft Graph v1.0's calendar, event, contactFolder and contact resources: the
 * client's JSON is kept as sent (merged with later PATCHes) and rendered back with Graph's
 * computed properties.
 */

export interface StandinCalendar {
  id: string;
  name: string;
  color: string;
  isDefaultCalendar: boolean;
  changeKey: string;
}

export interface StandinExtendedProperty {
  id: string;
  value: string;
}

/** An edited occurrence of a series (Graph: an event of type "exception"). */
export interface StandinException {
  id: string;
  fields: Record<string, unknown>;
  extended: Map<string, StandinExtendedProperty>;
  lastModifiedDateTime: string;
}

export interface StandinEvent {
  id: string;
  calendarId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  iCalUId: string;
  /** The client's JSON (merged with later PATCHes), minus extended properties. */
  fields: Record<string, unknown>;
  extended: Map<string, StandinExtendedProperty>;
  /** Edited occurrences by occurrence key (original start, UTC, `yyyymmddThhmmssZ`). */
  exceptions: Map<string, StandinException>;
  /** Deleted occurrences by occurrence key. */
  cancelled: Set<string>;
  /** File attachments (POST ≤ 3 MB, larger ones by upload session). */
  attachments: StandinAttachment[];
}

export interface StandinContactFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
}

export interface StandinPhoto {
  contentType: string;
  bytes: Buffer;
}

export interface StandinContact {
  id: string;
  parentFolderId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  fields: Record<string, unknown>;
  extended: Map<string, StandinExtendedProperty>;
  photo: StandinPhoto | null;
}

export interface StandinPim {
  calendars: Map<string, StandinCalendar>;
  events: Map<string, StandinEvent>;
  /** transactionId → event id: a second POST with the same transactionId returns the first event. */
  transactions: Map<string, string>;
  /** The default "Contacts" folder; GET /contactFolders lists its children. */
  contactsFolderId: string;
  contactFolders: Map<string, StandinContactFolder>;
  contacts: Map<string, StandinContact>;
}

/** A meeting message Exchange sent on the organizer's behalf (request, update or cancellation). */
export interface SentInvitation {
  at: number;
  from: string;
  recipients: string[];
  subject: string;
  eventId: string;
  meetingMessage: 'request' | 'update' | 'cancellation';
}

export const newId = (prefix: 'cal' | 'evt' | 'cfld' | 'ctc'): string => `${prefix}-${randomUUID()}`;

export const newChangeKey = (): string => randomUUID().replace(/-/g, '').slice(0, 16);

export function newPim(): StandinPim {
  const cal: StandinCalendar = {
    id: newId('cal'),
    name: 'Calendar',
    color: 'auto',
    isDefaultCalendar: true,
    changeKey: newChangeKey(),
  };
  const contactsFolderId = newId('cfld');
  return {
    calendars: new Map([[cal.id, cal]]),
    events: new Map(),
    transactions: new Map(),
    contactsFolderId,
    contactFolders: new Map([
      [contactsFolderId, { id: contactsFolderId, displayName: 'Contacts', parentFolderId: '' }],
    ]),
    contacts: new Map(),
  };
}
