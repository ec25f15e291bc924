import type { StandinFolder, StandinMailbox } from './mailbox';
import { NS, escapeXml, kid, kids, type El } from './xml';

/**
 * The operations the stand-in answers, each with the request checks and the response shape of
 * Microsoft's EWS reference for Exchange 2007 SP1:
 * - FindFolder: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/findfolder-operation
 * - GetFolder: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getfolder-operation
 * - FindItem (IndexedPageItemView; RootFolder IndexedPagingOffset/TotalItemsInView/IncludesLastItemInRange):
 *   https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/finditem-operation and
 *   https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/rootfolder-finditemresponsemessage
 * - GetItem: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getitem-operation-calendar-item
 *   and .../getitem-operation-contact (one response message per requested id, in order)
 * - GetAttachment: https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getattachment-operation
 * - SyncFolderItems (2007 SP1 shape: no SyncScope; Changes of Create/Update/Delete; SyncState and
 *   IncludesLastItemInRange): https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation
 */

/** A request the stand-in refuses as Exchange would (answered as a SOAP fault ErrorInvalidRequest). */
export class InvalidRequest extends Error {}
/** A request that breaks the 2007 SP1 schema (element order, unknown values): fault ErrorSchemaValidation. */
export class SchemaViolation extends Error {}

/**
 * The xs:sequence of each element the stand-in reads (Messages.xsd / Types.xsd, Exchange 2007 SP1):
 * children must come in this order, unknown children are refused, as Exchange's validation does.
 * Alternatives at one position share an index.
 */
const SEQUENCES: Record<string, Array<string | string[]>> = {
  FindFolder: [
    'FolderShape',
    ['IndexedPageFolderView', 'FractionalPageFolderView'],
    'Restriction',
    'ParentFolderIds',
  ],
  GetFolder: ['FolderShape', 'FolderIds'],
  FindItem: [
    'ItemShape',
    ['IndexedPageItemView', 'FractionalPageItemView', 'CalendarView', 'ContactsView'],
    ['GroupBy', 'DistinguishedGroupBy'],
    'Restriction',
    'SortOrder',
    'ParentFolderIds',
  ],
  GetItem: ['ItemShape', 'ItemIds'],
  GetAttachment: ['AttachmentShape', 'AttachmentIds'],
  SyncFolderItems: ['ItemShape', 'SyncFolderId', 'SyncState', 'Ignore', 'MaxChangesReturned'],
  FolderShape: ['BaseShape', 'AdditionalProperties'],
  ItemShape: ['BaseShape', 'IncludeMimeContent', 'BodyType', 'AdditionalProperties'],
};

/**
 * FieldURI values of the 2007 SP1 schema the stand-in accepts (a subset of UnindexedFieldURIType:
 * the folder, item, calendar and contact properties a migration reads). A 2010-only URI such as
 * calendar:StartTimeZone fails schema validation on 2007, so it fails here too.
 */
const FIELD_URIS_2007_SP1 = new Set([
  'folder:FolderId',
  'folder:ParentFolderId',
  'folder:DisplayName',
  'folder:FolderClass',
  'folder:TotalCount',
  'folder:ChildFolderCount',
  'item:ItemId',
  'item:ParentFolderId',
  'item:ItemClass',
  'item:Subject',
  'item:Sensitivity',
  'item:Body',
  'item:Attachments',
  'item:DateTimeReceived',
  'item:Size',
  'item:Categories',
  'item:Importance',
  'item:HasAttachments',
  'item:ReminderIsSet',
  'item:ReminderMinutesBeforeStart',
  'calendar:UID',
  'calendar:Start',
  'calendar:End',
  'calendar:OriginalStart',
  'calendar:IsAllDayEvent',
  'calendar:LegacyFreeBusyStatus',
  'calendar:Location',
  'calendar:CalendarItemType',
  'calendar:Organizer',
  'calendar:RequiredAttendees',
  'calendar:OptionalAttendees',
  'calendar:Resources',
  'calendar:Recurrence',
  'calendar:ModifiedOccurrences',
  'calendar:DeletedOccurrences',
  'calendar:MeetingTimeZone',
  'calendar:TimeZone',
  'contacts:DisplayName',
  'contacts:GivenName',
  'contacts:Surname',
  'contacts:EmailAddresses',
  'contacts:PhoneNumbers',
  'contacts:PhysicalAddresses',
  'contacts:Birthday',
]);

/** Checks an element's children against its sequence (recursively for the shapes). */
export function checkSequence(el: El): void {
  const sequence = SEQUENCES[el.local];
  if (!sequence) return;
  let at = 0;
  for (const c of el.children) {
    const i = sequence.findIndex(
      (entry, k) => k >= at && (Array.isArray(entry) ? entry.includes(c.local) : entry === c.local),
    );
    if (i < 0 || (c.ns !== m && c.ns !== t)) {
      throw new SchemaViolation(
        `The request failed schema validation: the element '${c.local}' in '${el.local}' is unexpected here (expected, in order: ${sequence.flat().join(', ')}).`,
      );
    }
    at = i + 1;
    checkSequence(c);
  }
  for (const f of kids(kid(el, t, 'AdditionalProperties'), t, 'FieldURI')) {
    if (!FIELD_URIS_2007_SP1.has(f.attrs.FieldURI ?? '')) {
      throw new SchemaViolation(
        `The request failed schema validation: the FieldURI attribute is invalid - the value '${f.attrs.FieldURI ?? ''}' is invalid according to its datatype.`,
      );
    }
  }
  const bodyType = kid(el, t, 'BodyType');
  if (bodyType && !['Best', 'HTML', 'Text'].includes(bodyType.text)) {
    throw new SchemaViolation(
      `The request failed schema validation: BodyType '${bodyType.text}' is not Best, HTML or Text.`,
    );
  }
}

const t = NS.types;
const m = NS.messages;

function need(el: El | undefined, what: string): El {
  if (!el) throw new InvalidRequest(`The request is invalid: ${what} is missing.`);
  return el;
}

function baseShape(shape: El | undefined, allowed: string[]): string {
  const value = need(kid(need(shape, 'the shape element'), t, 'BaseShape'), 't:BaseShape').text;
  if (!allowed.includes(value))
    throw new InvalidRequest(
      `The request is invalid: BaseShape "${value}" is not one of ${allowed.join(', ')}.`,
    );
  return value;
}

function fieldUris(shape: El | undefined): string[] {
  return kids(kid(shape, t, 'AdditionalProperties'), t, 'FieldURI').map((f) => f.attrs.FieldURI ?? '');
}

export function successMessage(op: string, inner: string): string {
  return `<m:${op}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>${inner}</m:${op}ResponseMessage>`;
}

export function errorMessage(op: string, code: string, text: string, inner = ''): string {
  return (
    `<m:${op}ResponseMessage ResponseClass="Error"><m:MessageText>${escapeXml(text)}</m:MessageText>` +
    `<m:ResponseCode>${code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>${inner}</m:${op}ResponseMessage>`
  );
}

function folderElement(f: StandinFolder): string {
  if (f.folderClass.startsWith('IPF.Appointment')) return 'CalendarFolder';
  if (f.folderClass.startsWith('IPF.Contact')) return 'ContactsFolder';
  if (f.folderClass.startsWith('IPF.Task')) return 'TasksFolder';
  return 'Folder';
}

function folderXml(mailbox: StandinMailbox, f: StandinFolder, shape: string, withClass: boolean): string {
  const element = folderElement(f);
  const id = `<t:FolderId Id="${escapeXml(f.id)}" ChangeKey="AQAAABYAAAAA"/>`;
  if (shape === 'IdOnly')
    return `<t:${element}>${id}${withClass ? `<t:FolderClass>${f.folderClass}</t:FolderClass>` : ''}</t:${element}>`;
  const count = [...mailbox.items.values()].filter((i) => i.folderId === f.id && i.listed).length;
  return (
    `<t:${element}>${id}${withClass ? `<t:FolderClass>${f.folderClass}</t:FolderClass>` : ''}` +
    `<t:DisplayName>${escapeXml(f.displayName)}</t:DisplayName><t:TotalCount>${count}</t:TotalCount>` +
    `<t:ChildFolderCount>${mailbox.below(f.id, false).length}</t:ChildFolderCount>` +
    (element === 'Folder' ? '<t:UnreadCount>0</t:UnreadCount>' : '') +
    `</t:${element}>`
  );
}

/** A FolderId or DistinguishedFolderId → the mailbox's folder, or undefined. */
function folderOf(mailbox: StandinMailbox, el: El): StandinFolder | undefined {
  const id = el.attrs.Id ?? '';
  if (el.local === 'DistinguishedFolderId') return mailbox.folders.find((f) => f.distinguished === id);
  if (el.local === 'FolderId') return mailbox.folders.find((f) => f.id === id);
  return undefined;
}

function parentFolder(op: El, mailbox: StandinMailbox): StandinFolder | undefined {
  const parents = need(kid(op, m, 'ParentFolderIds'), 'm:ParentFolderIds').children.filter((c) => c.ns === t);
  if (parents.length !== 1)
    throw new InvalidRequest('The request is invalid: the stand-in takes exactly one parent folder id.');
  return folderOf(mailbox, parents[0] as El);
}

function paging(view: El | undefined, serverMax: number): { offset: number; max: number } {
  if (!view) return { offset: 0, max: serverMax };
  const offset = Number(view.attrs.Offset);
  const base = view.attrs.BasePoint;
  if (!Number.isInteger(offset) || offset < 0 || base !== 'Beginning') {
    throw new InvalidRequest(
      'The request is invalid: IndexedPageItemView needs Offset (a whole number) and BasePoint="Beginning".',
    );
  }
  const max = view.attrs.MaxEntriesReturned === undefined ? serverMax : Number(view.attrs.MaxEntriesReturned);
  if (!Number.isInteger(max) || max < 1)
    throw new InvalidRequest('The request is invalid: MaxEntriesReturned must be a positive whole number.');
  return { offset, max: Math.min(max, serverMax) };
}

export function findFolder(op: El, mailbox: StandinMailbox): string {
  const traversal = op.attrs.Traversal;
  if (traversal !== 'Shallow' && traversal !== 'Deep')
    throw new InvalidRequest('The request is invalid: Traversal must be Shallow or Deep.');
  const shapeEl = kid(op, m, 'FolderShape');
  const shape = baseShape(shapeEl, ['IdOnly', 'Default', 'AllProperties']);
  const withClass = shape === 'AllProperties' || fieldUris(shapeEl).includes('folder:FolderClass');
  const parent = parentFolder(op, mailbox);
  if (!parent)
    return errorMessage(
      'FindFolder',
      'ErrorFolderNotFound',
      'The specified folder could not be found in the store.',
    );
  const all = mailbox.below(parent.id, traversal === 'Deep');
  const { offset, max } = paging(kid(op, m, 'IndexedPageFolderView'), 10_000);
  const page = all.slice(offset, offset + max);
  const last = offset + page.length >= all.length;
  return successMessage(
    'FindFolder',
    `<m:RootFolder IndexedPagingOffset="${offset + page.length}" TotalItemsInView="${all.length}" IncludesLastItemInRange="${last}">` +
      `<t:Folders>${page.map((f) => folderXml(mailbox, f, shape, withClass)).join('')}</t:Folders></m:RootFolder>`,
  );
}

export function getFolder(op: El, mailbox: StandinMailbox): string[] {
  const shapeEl = kid(op, m, 'FolderShape');
  const shape = baseShape(shapeEl, ['IdOnly', 'Default', 'AllProperties']);
  const ids = need(kid(op, m, 'FolderIds'), 'm:FolderIds').children.filter((c) => c.ns === t);
  if (ids.length === 0) throw new InvalidRequest('The request is invalid: m:FolderIds is empty.');
  return ids.map((el) => {
    const f = folderOf(mailbox, el);
    if (!f)
      return errorMessage(
        'GetFolder',
        'ErrorFolderNotFound',
        'The specified folder could not be found in the store.',
        '<m:Folders/>',
      );
    return successMessage(
      'GetFolder',
      `<m:Folders>${folderXml(mailbox, f, shape, shape === 'AllProperties')}</m:Folders>`,
    );
  });
}

/** Exchange 2010's default EWSFindCountLimit; 2007 has none, but a page this large is never sane. */
const FIND_ITEM_SERVER_MAX = 1000;

export function findItem(
  op: El,
  mailbox: StandinMailbox,
  record: (d: Record<string, string | number>) => void,
): string {
  if (op.attrs.Traversal !== 'Shallow')
    throw new InvalidRequest('The request is invalid: FindItem takes Traversal="Shallow" here.');
  baseShape(kid(op, m, 'ItemShape'), ['IdOnly', 'Default', 'AllProperties']);
  const view = kid(op, m, 'IndexedPageItemView');
  if (!view && !kid(op, m, 'CalendarView'))
    throw new InvalidRequest('The request is invalid: the stand-in expects an IndexedPageItemView.');
  const folder = parentFolder(op, mailbox);
  if (!folder)
    return errorMessage(
      'FindItem',
      'ErrorFolderNotFound',
      'The specified folder could not be found in the store.',
    );
  const all = [...mailbox.items.values()].filter((i) => i.folderId === folder.id && i.listed);
  const { offset, max } = paging(view, FIND_ITEM_SERVER_MAX);
  record({ folderId: folder.id, offset, max });
  const page = all.slice(offset, offset + max);
  const last = offset + page.length >= all.length;
  const items = page.map(
    (i) =>
      `<t:${i.element}><t:ItemId Id="${escapeXml(i.id)}" ChangeKey="${escapeXml(i.changeKey)}"/></t:${i.element}>`,
  );
  return successMessage(
    'FindItem',
    `<m:RootFolder IndexedPagingOffset="${offset + page.length}" TotalItemsInView="${all.length}" IncludesLastItemInRange="${last}">` +
      `<t:Items>${items.join('')}</t:Items></m:RootFolder>`,
  );
}

export function getItem(
  op: El,
  mailbox: StandinMailbox,
  record: (d: Record<string, string | number>) => void,
): string[] {
  baseShape(kid(op, m, 'ItemShape'), ['IdOnly', 'Default', 'AllProperties']);
  const ids = kids(need(kid(op, m, 'ItemIds'), 'm:ItemIds'), t, 'ItemId');
  if (ids.length === 0) throw new InvalidRequest('The request is invalid: m:ItemIds has no t:ItemId.');
  record({ ids: ids.length });
  return ids.map((el) => {
    const item = mailbox.items.get(el.attrs.Id ?? '');
    if (!item)
      return errorMessage(
        'GetItem',
        'ErrorItemNotFound',
        'The specified object was not found in the store.',
        '<m:Items/>',
      );
    if (item.corrupt)
      return errorMessage('GetItem', 'ErrorCorruptData', 'The item is corrupt.', '<m:Items/>');
    return successMessage('GetItem', `<m:Items>${item.xml}</m:Items>`);
  });
}

export function getAttachment(op: El, mailbox: StandinMailbox): string[] {
  const ids = kids(need(kid(op, m, 'AttachmentIds'), 'm:AttachmentIds'), t, 'AttachmentId');
  if (ids.length === 0)
    throw new InvalidRequest('The request is invalid: m:AttachmentIds has no t:AttachmentId.');
  return ids.map((el) => {
    const a = mailbox.attachments.get(el.attrs.Id ?? '');
    if (!a)
      return errorMessage(
        'GetAttachment',
        'ErrorInvalidAttachmentId',
        'The attachment could not be found.',
        '<m:Attachments/>',
      );
    return successMessage(
      'GetAttachment',
      `<m:Attachments><t:FileAttachment><t:AttachmentId Id="${escapeXml(a.id)}"/><t:Name>${escapeXml(a.name)}</t:Name>` +
        `<t:ContentType>${escapeXml(a.contentType)}</t:ContentType><t:Content>${a.content.toString('base64')}</t:Content></t:FileAttachment></m:Attachments>`,
    );
  });
}

/** Exchange's limit on MaxChangesReturned (1 to 512). */
const SYNC_MAX_CHANGES = 512;

/** The sync state is opaque to clients: here, the folder and the change counter it was taken at. */
function encodeSyncState(folderId: string, seq: number): string {
  return Buffer.from(JSON.stringify({ f: folderId, s: seq })).toString('base64');
}

function decodeSyncState(state: string, folderId: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(state, 'base64').toString('utf8')) as { f?: string; s?: number };
    return v.f === folderId && typeof v.s === 'number' ? v.s : undefined;
  } catch {
    return undefined;
  }
}

export function syncFolderItems(
  op: El,
  mailbox: StandinMailbox,
  record: (d: Record<string, string | number>) => void,
): string {
  baseShape(kid(op, m, 'ItemShape'), ['IdOnly', 'Default', 'AllProperties']);
  const folderEl = need(kid(op, m, 'SyncFolderId'), 'm:SyncFolderId').children.find((c) => c.ns === t);
  const folder = folderEl && folderOf(mailbox, folderEl);
  const max = Number(need(kid(op, m, 'MaxChangesReturned'), 'm:MaxChangesReturned').text);
  if (!Number.isInteger(max) || max < 1 || max > SYNC_MAX_CHANGES) {
    throw new SchemaViolation(
      `The request failed schema validation: MaxChangesReturned must be 1 to ${SYNC_MAX_CHANGES}.`,
    );
  }
  if (!folder)
    return errorMessage(
      'SyncFolderItems',
      'ErrorFolderNotFound',
      'The specified folder could not be found in the store.',
    );
  const stateText = kid(op, m, 'SyncState')?.text ?? '';
  const since = stateText ? decodeSyncState(stateText, folder.id) : 0;
  if (since === undefined)
    return errorMessage(
      'SyncFolderItems',
      'ErrorInvalidSyncStateData',
      'Synchronization state data is corrupt or otherwise invalid.',
    );
  record({ folderId: folder.id, since, max });
  type Change = { seq: number; xml: string };
  const changes: Change[] = [];
  for (const i of mailbox.items.values()) {
    if (i.folderId !== folder.id || !i.listed || i.changedSeq <= since) continue;
    const kind = i.createdSeq > since ? 'Create' : 'Update';
    changes.push({
      seq: i.changedSeq,
      xml: `<t:${kind}><t:${i.element}><t:ItemId Id="${escapeXml(i.id)}" ChangeKey="${escapeXml(i.changeKey)}"/></t:${i.element}></t:${kind}>`,
    });
  }
  for (const d of mailbox.tombstones) {
    if (d.folderId !== folder.id || d.seq <= since) continue;
    changes.push({
      seq: d.seq,
      xml: `<t:Delete><t:ItemId Id="${escapeXml(d.id)}" ChangeKey="${escapeXml(d.changeKey)}"/></t:Delete>`,
    });
  }
  changes.sort((a, b) => a.seq - b.seq);
  const page = changes.slice(0, max);
  const last = page.length === changes.length;
  const reached = last ? mailbox.seq : (page[page.length - 1]?.seq ?? since);
  return successMessage(
    'SyncFolderItems',
    `<m:SyncState>${encodeSyncState(folder.id, reached)}</m:SyncState><m:IncludesLastItemInRange>${last}</m:IncludesLastItemInRange>` +
      `<m:Changes>${page.map((c) => c.xml).join('')}</m:Changes>`,
  );
}
