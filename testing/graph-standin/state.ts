import { randomUUID } from 'node:crypto';
import { newPim, type SentInvitation, type StandinPim } from './pim-state';

/** Everything the stand-in holds; tests read it back to check what the client wrote. */

export interface StandinApp {
  clientId: string;
  /** Accepted client secret, if any. */
  secret?: string;
  /** PEM certificate whose key signs client assertions (x5t#S256 must match it). */
  certificatePem?: string;
}

export interface StandinSku {
  skuId: string;
  skuPartNumber: string;
  prepaidUnits: { enabled: number };
  consumedUnits: number;
  /** True when the SKU includes an Exchange Online plan (assigning it creates a mailbox). */
  includesExchange: boolean;
}

export interface StandinUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string | null;
  proxyAddresses: string[];
  usageLocation: string | null;
  onPremisesSyncEnabled: boolean | null;
  accountEnabled: boolean;
  assignedLicenses: Array<{ skuId: string; disabledPlans: string[] }>;
  /** Whether Exchange has a mailbox for the user now. */
  hasMailbox: boolean;
  /** When a licence was assigned: the mailbox exists from this time (epoch ms). */
  mailboxReadyAt: number | null;
  /** Password changes, recorded as facts only (never the password). */
  passwordChanges: Array<{
    at: number;
    forceChangePasswordNextSignIn: boolean;
    length: number;
    sha256: string;
  }>;
}

export interface StandinFolder {
  id: string;
  displayName: string;
  parentFolderId: string;
  wellKnownName: string | null;
  isHidden: boolean;
}

export interface StandinAttachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId: string | null;
  bytes: Buffer;
  /** How it arrived: inline in the message JSON, a POST on attachments, or an upload session. */
  via: 'message' | 'post' | 'upload-session';
}

export interface StandinMessage {
  id: string;
  parentFolderId: string;
  createdDateTime: string;
  /** The JSON the client sent (merged with later PATCHes), minus attachments and extended properties. */
  fields: Record<string, unknown>;
  /** Single-value extended properties by normalised id (see normalisePropertyId). */
  extended: Map<string, { id: string; value: string }>;
  attachments: StandinAttachment[];
}

export interface StandinMailbox {
  rootId: string;
  folders: Map<string, StandinFolder>;
  messages: Map<string, StandinMessage>;
  /** Calendars, events, contact folders and contacts. */
  pim: StandinPim;
}

export interface UploadSession {
  token: string;
  userId: string;
  /** The message's (or, with `item: 'event'`, the event's) id. */
  messageId: string;
  /** What the attachment goes on; default a message. */
  item?: 'message' | 'event';
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId: string | null;
  received: Buffer[];
  nextOffset: number;
  expiresAt: number;
}

export interface SentMail {
  from: string;
  saveToSentItems: boolean;
  message: Record<string, unknown>;
  attachments: Array<{ name: string; contentType: string; bytes: Buffer }>;
  /** When it was sent (epoch ms). */
  at: number;
}

/** One request as the stand-in saw it (sub-requests of a $batch appear individually too). */
export interface RequestRecord {
  /** Arrival, epoch ms. */
  at: number;
  method: string;
  path: string;
  /** Lower-case mailbox key for /users/{id}/... requests, else null. */
  mailbox: string | null;
  status: number;
  /** Request body bytes counted toward the upload limit. */
  bytes: number;
  inBatch: boolean;
  /** Set on 429: the time before which the client must not send again (epoch ms). */
  retryAfterUntil?: number;
}

export interface ThrottleStats {
  /** Highest number of requests for one mailbox in flight at once, by mailbox. */
  peakConcurrency: Map<string, number>;
  throttled: number;
  /** Requests that arrived for a mailbox before the Retry-After the stand-in had given for it. */
  sentBeforeRetryAfter: number;
}

export interface StandinState {
  tenantId: string;
  apps: StandinApp[];
  organization: { id: string; displayName: string; onPremisesSyncEnabled: boolean | null };
  domains: Array<{ id: string; isVerified: boolean; isDefault: boolean; isInitial: boolean }>;
  skus: StandinSku[];
  users: Map<string, StandinUser>;
  mailboxes: Map<string, StandinMailbox>;
  uploadSessions: Map<string, UploadSession>;
  sentMail: SentMail[];
  /** Meeting requests, updates and cancellations sent to attendees (Graph sends them; nothing turns it off). */
  invitations: SentInvitation[];
  requests: RequestRecord[];
  tokensIssued: number;
  throttle: ThrottleStats;
}

export const WELL_KNOWN_FOLDERS: Array<[string, string]> = [
  ['inbox', 'Inbox'],
  ['sentitems', 'Sent Items'],
  ['drafts', 'Drafts'],
  ['deleteditems', 'Deleted Items'],
  ['junkemail', 'Junk Email'],
  ['archive', 'Archive'],
  ['outbox', 'Outbox'],
];

export function newMailbox(): StandinMailbox {
  const rootId = `root-${randomUUID()}`;
  const folders = new Map<string, StandinFolder>();
  for (const [wellKnownName, displayName] of WELL_KNOWN_FOLDERS) {
    const id = `folder-${randomUUID()}`;
    folders.set(id, { id, displayName, parentFolderId: rootId, wellKnownName, isHidden: false });
  }
  return { rootId, folders, messages: new Map(), pim: newPim() };
}

/** `Integer 0x0E07` and `integer 0xe07` name the same property; ids compare in this form. */
export function normalisePropertyId(id: string): string {
  const m = /^(\w+)\s+0x([0-9a-f]+)$/i.exec(id.trim());
  if (m) return `${m[1]!.toLowerCase()} 0x${parseInt(m[2]!, 16).toString(16).padStart(4, '0')}`;
  return id.trim().replace(/\s+/g, ' ').toLowerCase();
}
