import { XMLParser } from 'fast-xml-parser';
import { EwsError, EwsErrorCode, authFailed, errorForResponseCode } from './errors';
import type { EwsTransport } from './transport';

/**
 * SOAP 1.1 envelopes for Exchange 2007 SP1 and the parsing of their answers. Requests name the
 * schema version (`RequestServerVersion Exchange2007_SP1`), so a newer server answers in the 2007
 * shape; with impersonation they carry `ExchangeImpersonation` with the mailbox's SMTP address.
 */

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
} as const;

/** A parsed XML element: child elements by local name, attributes as `@_Name`, text as `#text`. */
export type XNode = { [key: string]: unknown };

/** Elements that may repeat: always arrays, so one element and many read the same way. */
const REPEATING = new Set([
  'GetItemResponseMessage',
  'FindItemResponseMessage',
  'FindFolderResponseMessage',
  'GetFolderResponseMessage',
  'GetAttachmentResponseMessage',
  'SyncFolderItemsResponseMessage',
  'Create',
  'Update',
  'Delete',
  'CalendarItem',
  'Contact',
  'DistributionList',
  'Item',
  'Message',
  'Folder',
  'CalendarFolder',
  'ContactsFolder',
  'TasksFolder',
  'SearchFolder',
  'Attendee',
  'Occurrence',
  'DeletedOccurrence',
  'String',
  'Entry',
  'Value',
  'FileAttachment',
  'ItemAttachment',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Exchange writes characters such as CR as numeric references (&#xD;): decode them.
  htmlEntities: true,
  trimValues: true,
  isArray: (name) => REPEATING.has(name),
});

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

export function envelope(body: string, impersonate?: string): string {
  const impersonation = impersonate
    ? `<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${escapeXml(impersonate)}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`
    : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:t="${NS.types}" xmlns:m="${NS.messages}">` +
    `<soap:Header><t:RequestServerVersion Version="Exchange2007_SP1"/>${impersonation}</soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

export function parseXml(xml: string): XNode {
  return parser.parse(xml) as XNode;
}

/** Child element (first one when repeated). */
export function child(node: unknown, name: string): XNode | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as XNode)[name];
  if (Array.isArray(v)) return v[0] as XNode | undefined;
  if (v && typeof v === 'object') return v as XNode;
  if (typeof v === 'string') return { '#text': v };
  return v === '' ? {} : undefined;
}

/** All child elements of that name. */
export function children(node: unknown, name: string): XNode[] {
  if (!node || typeof node !== 'object') return [];
  const v = (node as XNode)[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.map((e) => (typeof e === 'object' && e !== null ? (e as XNode) : { '#text': String(e) }));
}

/** Text of a child element (or of the node itself with no name). */
export function text(node: unknown, name?: string): string | undefined {
  const target = name === undefined ? node : (node as XNode | undefined)?.[name];
  const el = Array.isArray(target) ? target[0] : target;
  if (el === undefined || el === null) return undefined;
  if (typeof el === 'string' || typeof el === 'number' || typeof el === 'boolean') return String(el);
  const t = (el as XNode)['#text'];
  return t === undefined ? '' : String(t);
}

/** Every child element, whatever its name, as [name, element] (an Items or Folders list of mixed types). */
export function elements(node: unknown): Array<[string, XNode]> {
  if (!node || typeof node !== 'object') return [];
  return Object.keys(node as XNode)
    .filter((k) => !k.startsWith('@_') && k !== '#text')
    .flatMap((k) => children(node, k).map((e): [string, XNode] => [k, e]));
}

export function attr(node: unknown, name: string): string | undefined {
  const v = (node as XNode | undefined)?.[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

export interface SoapContext {
  transport: EwsTransport;
  mailbox: string;
  impersonate?: string;
  user: string;
}

/**
 * Sends one operation and returns its response messages (one per requested id for GetItem),
 * after turning HTTP and SOAP faults into coded errors. Per-message errors are left to the caller:
 * for GetItem they concern one item; `requireSuccess` throws them for whole-mailbox operations.
 */
export async function call(
  ctx: SoapContext,
  operation: string,
  body: string,
  options: { maxBytes?: number } = {},
): Promise<{ messages: XNode[]; truncated: boolean }> {
  const where = { operation, mailbox: ctx.mailbox };
  const answer = await ctx.transport.post(envelope(body, ctx.impersonate), operation, options.maxBytes);
  if (answer.truncated) return { messages: [], truncated: true };
  if (answer.status === 401 || answer.status === 403) {
    throw authFailed({ ...where, user: ctx.user, impersonation: !!ctx.impersonate });
  }
  if (answer.status === 503) {
    throw new EwsError(
      EwsErrorCode.serverBusy,
      `EWS ${operation} for ${ctx.mailbox}: the server answered 503 (busy): the step is retried later.`,
      where,
    );
  }
  let doc: XNode;
  try {
    doc = parseXml(answer.body);
  } catch {
    throw badResponse(where, answer.status, 'not XML');
  }
  const soapBody = child(child(doc, 'Envelope'), 'Body');
  if (!soapBody) throw badResponse(where, answer.status, 'no SOAP envelope');
  const fault = child(soapBody, 'Fault');
  if (fault) {
    const detail = child(fault, 'detail');
    const code = text(detail, 'ResponseCode') ?? (text(fault, 'faultcode') ?? '').replace(/^.*:/, '');
    const error = errorForResponseCode(code || 'SoapFault', text(fault, 'faultstring') ?? '', where);
    // Exchange 2010 SP1 and later say how long to back off when busy (MessageXml BackOffMilliseconds).
    const backOff = children(child(detail, 'MessageXml'), 'Value').find(
      (v) => attr(v, 'Name') === 'BackOffMilliseconds',
    );
    if (backOff && Number(text(backOff)) > 0) error.details.retryAfterMs = Number(text(backOff));
    throw error;
  }
  if (answer.status !== 200) throw badResponse(where, answer.status, 'unexpected HTTP status');
  const response = child(soapBody, `${operation}Response`);
  const messages = children(child(response, 'ResponseMessages'), `${operation}ResponseMessage`);
  if (!response || messages.length === 0)
    throw badResponse(where, answer.status, `no ${operation}ResponseMessage`);
  return { messages, truncated: false };
}

/** The error of a response message whose ResponseClass is Error, or undefined on success/warning. */
export function messageError(message: XNode): { code: string; text: string } | undefined {
  if (attr(message, 'ResponseClass') !== 'Error') return undefined;
  return { code: text(message, 'ResponseCode') ?? 'ErrorUnknown', text: text(message, 'MessageText') ?? '' };
}

export function requireSuccess(ctx: SoapContext, operation: string, message: XNode): XNode {
  const e = messageError(message);
  if (e) throw errorForResponseCode(e.code, e.text, { operation, mailbox: ctx.mailbox });
  return message;
}

function badResponse(where: { operation: string; mailbox: string }, status: number, what: string): EwsError {
  return new EwsError(
    EwsErrorCode.badResponse,
    `EWS ${where.operation} for ${where.mailbox}: the server answered HTTP ${status} with ${what}: check that the url points at /EWS/Exchange.asmx of an Exchange 2007 SP1 or later server.`,
    { ...where, status },
  );
}
