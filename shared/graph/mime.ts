import type { AddressObject, Attachment, ParsedMail } from 'mailparser';
import { isStreamed, type MessageBody } from '../mail/target';
import { scanStreamed, type AttachmentInfo } from './mime-stream';

/**
 * A MIME message as Graph message JSON. Graph keeps a message created from MIME on `/messages` as a
 * draft, so mailferry creates it from JSON instead: PidTagMessageFlags (`Integer 0x0E07`) = 1 makes
 * it a normal, sent/received message; `SystemTime 0x0E06`/`0x0039` carry the received and sent
 * times; the raw header block goes to PidTagTransportMessageHeaders (`String 0x007D`), where
 * Exchange keeps the headers of delivered mail. Whatever JSON cannot carry is listed in `notCarried`.
 */

/** Where mailferry stores the engine's idempotency key on each message it creates. */
export const ITEM_KEY_PROPERTY = 'String {5b0c5d1e-8a7f-4a43-9f3e-6d2b8a1c4e70} Name mailferryItemKey';
/** Set while a message's attachments are still being uploaded; the key is written last. */
export const PENDING_KEY_PROPERTY = 'String {5b0c5d1e-8a7f-4a43-9f3e-6d2b8a1c4e70} Name mailferryPendingKey';

export const MAPI = {
  messageFlags: 'Integer 0x0E07',
  deliveryTime: 'SystemTime 0x0E06',
  submitTime: 'SystemTime 0x0039',
  transportHeaders: 'String 0x007D',
  inReplyTo: 'String 0x1042',
  references: 'String 0x1039',
  lastVerbExecuted: 'Integer 0x1081',
  iconIndex: 'Integer 0x1080',
} as const;

/** MSGFLAG_READ: together with the absence of MSGFLAG_UNSENT (0x8) it makes a non-draft. */
const MSGFLAG_READ = 1;
/** PidTagLastVerbExecuted / PidTagIconIndex values for replied and forwarded mail. */
const VERB = { replied: 102, forwarded: 104 } as const;
const ICON = { replied: 261, forwarded: 262 } as const;

/** IMAP keywords with a meaning of their own: not turned into categories. */
const PROTOCOL_KEYWORDS = new Set([
  '$forwarded',
  '$mdnsent',
  '$junk',
  '$notjunk',
  '$phishing',
  'junk',
  'nonjunk',
  '$submitpending',
  '$submitted',
]);
/** Thunderbird's classic labels, as the names users saw. */
const LABELS: Record<string, string> = {
  $label1: 'Important',
  $label2: 'Work',
  $label3: 'Personal',
  $label4: 'To Do',
  $label5: 'Later',
};

export interface GraphAttachment {
  name: string;
  contentType: string;
  isInline: boolean;
  contentId?: string;
  /** Decoded bytes; empty when `deferred`. */
  content: Buffer;
  size: number;
  /** Of a streamed message: the bytes are not held, they are read again from the message when uploaded. */
  deferred?: boolean;
}

export interface ConvertedMessage {
  /** JSON for POST .../messages, without attachments. */
  message: Record<string, unknown>;
  attachments: GraphAttachment[];
  /** What the Graph message does not carry from the source, one short phrase each. */
  notCarried: string[];
}

interface Recipient {
  emailAddress: { address: string; name?: string };
}

function recipients(
  field: AddressObject | AddressObject[] | undefined,
  notCarried: string[],
  what: string,
): Recipient[] {
  const out: Recipient[] = [];
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  for (const obj of list) {
    for (const a of obj.value) {
      const members = a.group ?? [a];
      for (const m of members) {
        if (m.address)
          out.push({ emailAddress: { address: m.address, ...(m.name ? { name: m.name } : {}) } });
        else if (m.name) notCarried.push(`${what} without an address ("${m.name.slice(0, 60)}")`);
      }
    }
  }
  return out;
}

function extensionFor(contentType: string): string {
  const known: Record<string, string> = {
    'message/rfc822': '.eml',
    'text/calendar': '.ics',
    'text/plain': '.txt',
    'text/html': '.html',
    'application/pdf': '.pdf',
    'image/png': '.png',
    'image/jpeg': '.jpg',
    'image/gif': '.gif',
    'application/pkcs7-signature': '.p7s',
    'application/pkcs7-mime': '.p7m',
  };
  return known[contentType.toLowerCase()] ?? '.bin';
}

function attachmentOf(a: Attachment | AttachmentInfo, index: number): GraphAttachment {
  const contentId = a.contentId?.replace(/^<|>$/g, '');
  const isInline = a.contentDisposition === 'inline' && !!contentId && a.related === true;
  const held = 'content' in a;
  return {
    name: a.filename ?? `attachment-${index + 1}${extensionFor(a.contentType)}`,
    contentType: a.contentType || 'application/octet-stream',
    isInline,
    ...(contentId ? { contentId } : {}),
    content: held ? a.content : Buffer.alloc(0),
    size: held ? a.content.length : a.size,
    ...(held ? {} : { deferred: true }),
  };
}

/** What the conversion reads of a parsed message (simpleParser's, or the streamed scan's). */
type Parsed = Omit<ParsedMail, 'attachments'> & { attachments: Array<Attachment | AttachmentInfo> };

/** Graph importance from Importance / X-Priority / Priority headers (RFC 2156, common clients). */
function importanceOf(headers: Map<string, unknown>): 'low' | 'normal' | 'high' {
  const text = String(
    headers.get('importance') ?? headers.get('x-priority') ?? headers.get('priority') ?? '',
  ).toLowerCase();
  if (/^(high|urgent|[12])\b/.test(text)) return 'high';
  if (/^(low|non-urgent|[45])\b/.test(text)) return 'low';
  return 'normal';
}

/** How much of a message's start is searched for its header block. */
const HEADER_SCAN_BYTES = 256 * 1024;

/** The header block of a raw message (up to the first empty line) from its first bytes. */
function headerBlock(head: Buffer): string {
  const text = head.subarray(0, Math.min(head.length, HEADER_SCAN_BYTES)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** The MAPI properties that keep the message's dates, read state, headers, thread and reply state. */
function extendedProperties(
  parsed: Parsed,
  head: Buffer,
  lower: string[],
  internalDate: Date,
  notCarried: string[],
): Array<{ id: string; value: string }> {
  const sent = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : internalDate;
  const props: Array<{ id: string; value: string }> = [
    { id: MAPI.deliveryTime, value: internalDate.toISOString() },
    { id: MAPI.submitTime, value: sent.toISOString() },
  ];
  // A draft stays a draft: without PidTagMessageFlags Graph creates it as one.
  if (!lower.includes('\\draft')) props.push({ id: MAPI.messageFlags, value: String(MSGFLAG_READ) });
  const headers = headerBlock(head);
  if (headers) props.push({ id: MAPI.transportHeaders, value: headers });
  if (parsed.inReplyTo) props.push({ id: MAPI.inReplyTo, value: parsed.inReplyTo });
  const refs = Array.isArray(parsed.references) ? parsed.references.join(' ') : parsed.references;
  if (refs) props.push({ id: MAPI.references, value: refs });
  if (lower.includes('\\answered')) {
    props.push(
      { id: MAPI.lastVerbExecuted, value: String(VERB.replied) },
      { id: MAPI.iconIndex, value: String(ICON.replied) },
    );
    if (lower.includes('$forwarded')) notCarried.push('forwarded state (the message shows as replied)');
  } else if (lower.includes('$forwarded')) {
    props.push(
      { id: MAPI.lastVerbExecuted, value: String(VERB.forwarded) },
      { id: MAPI.iconIndex, value: String(ICON.forwarded) },
    );
  }
  return props;
}

/** Flags and keywords Graph has no place for, and signed or encrypted content kept only as an attachment. */
function notCarriedOf(parsed: Parsed, flags: string[], lower: string[]): string[] {
  const notCarried: string[] = [];
  if (lower.includes('\\deleted'))
    notCarried.push('\\Deleted flag (the message is copied, not marked for deletion)');
  for (const k of ['$mdnsent', '$junk', '$notjunk', '$phishing']) {
    if (lower.includes(k)) notCarried.push(`keyword ${flags[lower.indexOf(k)]}`);
  }
  const contentType = String(
    (parsed.headers.get('content-type') &&
      (parsed.headers.get('content-type') as { value?: string }).value) ||
      '',
  ).toLowerCase();
  if (contentType === 'multipart/signed')
    notCarried.push('S/MIME or PGP signature (kept as an attachment, no longer verifiable)');
  if (contentType === 'application/pkcs7-mime' || contentType === 'application/x-pkcs7-mime') {
    notCarried.push('encrypted S/MIME content (kept as an attachment)');
  }
  return notCarried;
}

/** IMAP keywords (and Gmail-style labels) as Outlook categories; system flags and protocol keywords are not. */
function categoriesOf(flags: string[]): string[] {
  const categories: string[] = [];
  for (const f of flags) {
    if (f.startsWith('\\') || PROTOCOL_KEYWORDS.has(f.toLowerCase())) continue;
    const name = LABELS[f.toLowerCase()] ?? f;
    if (!categories.includes(name)) categories.push(name);
  }
  return categories;
}

/**
 * Converts one message. `flags` are IMAP flags and keywords; `internalDate` is when the source
 * received it. The idempotency key is not set here (the target decides when to write it).
 */
export async function mimeToGraphMessage(
  raw: MessageBody,
  flags: string[],
  internalDate: Date,
): Promise<ConvertedMessage> {
  // A streamed body is parsed as it is read, its attachments' bytes counted and dropped (they are
  // read again when uploaded); its first bytes are kept for the header block.
  const head: Buffer[] = [];
  const options = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true };
  const parsed: Parsed = isStreamed(raw)
    ? await scanStreamed(raw, head, HEADER_SCAN_BYTES)
    : // mailparser (about 95 modules) is loaded by the first conversion: only a Graph target needs it.
      await (await import('mailparser')).simpleParser(raw, options);
  const lower = flags.map((f) => f.toLowerCase());
  // In the order a reader meets them: the reply state, then flags and content, then addresses.
  const replyNotes: string[] = [];
  const first = isStreamed(raw) ? Buffer.concat(head) : raw;
  const props = extendedProperties(parsed, first, lower, internalDate, replyNotes);
  const notCarried = [...replyNotes, ...notCarriedOf(parsed, flags, lower)];
  const body =
    typeof parsed.html === 'string' && parsed.html.length > 0
      ? { contentType: 'html', content: parsed.html }
      : { contentType: 'text', content: parsed.text ?? '' };

  const from = recipients(parsed.from, notCarried, 'From');
  const sender = recipients(parsed.headers.get('sender') as AddressObject | undefined, notCarried, 'Sender');
  const message: Record<string, unknown> = {
    subject: parsed.subject ?? '',
    body,
    toRecipients: recipients(parsed.to, notCarried, 'To'),
    ccRecipients: recipients(parsed.cc, notCarried, 'Cc'),
    bccRecipients: recipients(parsed.bcc, notCarried, 'Bcc'),
    replyTo: recipients(parsed.replyTo, notCarried, 'Reply-To'),
    isRead: lower.includes('\\seen'),
    importance: importanceOf(parsed.headers),
    categories: categoriesOf(flags),
    flag: { flagStatus: lower.includes('\\flagged') ? 'flagged' : 'notFlagged' },
    singleValueExtendedProperties: props,
  };
  if (from[0]) message.from = from[0];
  if (from.length > 1) notCarried.push(`additional From addresses (${from.length - 1})`);
  if (sender[0]) message.sender = sender[0];
  if (parsed.messageId && /^<[^<>\s]+>$/.test(parsed.messageId)) message.internetMessageId = parsed.messageId;

  return { message, attachments: parsed.attachments.map(attachmentOf), notCarried };
}
