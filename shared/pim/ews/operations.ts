import { EwsError, EwsErrorCode } from './errors';
import { FIND_PAGE_SIZE, MAX_FOLDERS, MAX_ITEMS_PER_FOLDER, SYNC_PAGE_SIZE } from './limits';
import {
  attr,
  call,
  child,
  children,
  elements,
  escapeXml,
  messageError,
  requireSuccess,
  text,
  type SoapContext,
  type XNode,
} from './soap';

/** The EWS operations the source uses, each as documented for Exchange 2007 SP1. Read-only. */

export interface EwsFolder {
  id: string;
  displayName: string;
  folderClass: string;
}

/** FindFolder, Traversal Deep from msgfolderroot, with FolderClass: every folder of the mailbox. */
export async function findAllFolders(ctx: SoapContext): Promise<EwsFolder[]> {
  const body =
    `<m:FindFolder Traversal="Deep">` +
    `<m:FolderShape><t:BaseShape>Default</t:BaseShape>` +
    `<t:AdditionalProperties><t:FieldURI FieldURI="folder:FolderClass"/></t:AdditionalProperties></m:FolderShape>` +
    `<m:IndexedPageFolderView MaxEntriesReturned="${MAX_FOLDERS}" Offset="0" BasePoint="Beginning"/>` +
    `<m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds>` +
    `</m:FindFolder>`;
  const { messages } = await call(ctx, 'FindFolder', body);
  const message = requireSuccess(ctx, 'FindFolder', messages[0] as XNode);
  const root = child(message, 'RootFolder');
  if (attr(root, 'IncludesLastItemInRange') === 'false') {
    throw new EwsError(
      EwsErrorCode.tooManyItems,
      `Mailbox ${ctx.mailbox} has more than ${MAX_FOLDERS} folders: contacts and calendars are not read.`,
      {
        mailbox: ctx.mailbox,
      },
    );
  }
  const folders = child(root, 'Folders');
  return elements(folders).map(([, f]) => ({
    id: attr(child(f, 'FolderId'), 'Id') ?? '',
    displayName: text(f, 'DisplayName') ?? '',
    folderClass: text(f, 'FolderClass') ?? '',
  }));
}

/** GetFolder of distinguished folders (e.g. `calendar`, `contacts`): their FolderIds, or undefined. */
export async function distinguishedFolderIds(
  ctx: SoapContext,
  names: string[],
): Promise<Array<string | undefined>> {
  const ids = names.map((n) => `<t:DistinguishedFolderId Id="${escapeXml(n)}"/>`).join('');
  const body = `<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>${ids}</m:FolderIds></m:GetFolder>`;
  const { messages } = await call(ctx, 'GetFolder', body);
  return names.map((_, i) => {
    const m = messages[i];
    if (!m) return undefined;
    const e = messageError(m);
    if (e?.code === 'ErrorFolderNotFound') return undefined;
    requireSuccess(ctx, 'GetFolder', m);
    const folders = child(m, 'Folders');
    const f = elements(folders)[0]?.[1];
    return attr(child(f, 'FolderId'), 'Id');
  });
}

export interface EwsItemRef {
  id: string;
  changeKey: string;
  element: string;
}

/** Every item of a folder: FindItem (Shallow, IdOnly) page by page with IndexedPageItemView. */
export async function findAllItems(ctx: SoapContext, folderId: string): Promise<EwsItemRef[]> {
  const refs: EwsItemRef[] = [];
  let offset = 0;
  for (;;) {
    const body =
      `<m:FindItem Traversal="Shallow">` +
      `<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
      `<m:IndexedPageItemView MaxEntriesReturned="${FIND_PAGE_SIZE}" Offset="${offset}" BasePoint="Beginning"/>` +
      `<m:ParentFolderIds><t:FolderId Id="${escapeXml(folderId)}"/></m:ParentFolderIds>` +
      `</m:FindItem>`;
    const { messages } = await call(ctx, 'FindItem', body);
    const root = child(requireSuccess(ctx, 'FindItem', messages[0] as XNode), 'RootFolder');
    const items = child(root, 'Items');
    // Items holds CalendarItem, Contact, DistributionList, Message... elements, whatever the folder has.
    const page = elements(items).map(([element, i]) => {
      const id = child(i, 'ItemId');
      return { id: attr(id, 'Id') ?? '', changeKey: attr(id, 'ChangeKey') ?? '', element };
    });
    refs.push(...page.filter((r) => r.id));
    if (refs.length > MAX_ITEMS_PER_FOLDER) {
      throw new EwsError(
        EwsErrorCode.tooManyItems,
        `Folder ${folderId} of ${ctx.mailbox} has more than ${MAX_ITEMS_PER_FOLDER} items: it is not read.`,
        {
          mailbox: ctx.mailbox,
          folderId,
        },
      );
    }
    const next = Number(attr(root, 'IndexedPagingOffset'));
    if (attr(root, 'IncludesLastItemInRange') !== 'false' || page.length === 0) return refs;
    // The server says where the next page starts; fall back to counting when it does not.
    offset = Number.isFinite(next) && next > offset ? next : offset + page.length;
  }
}

/** Outcome of one id of a GetItem batch: the item element, or the server's error for it. */
export type GetItemResult =
  { ok: true; element: string; item: XNode } | { ok: false; code: string; text: string };

/** Asked for explicitly on calendar items: AllProperties returns them on 2007 SP1, this makes sure. */
const CALENDAR_FIELDS =
  '<t:FieldURI FieldURI="calendar:UID"/><t:FieldURI FieldURI="calendar:MeetingTimeZone"/>';

/**
 * GetItem (AllProperties + body) for a batch of ids; one result per id, in order. Calendar bodies
 * come as they are (HTML or text); contact notes as text.
 */
export async function getItems(
  ctx: SoapContext,
  ids: string[],
  kind: 'calendar' | 'contacts',
): Promise<GetItemResult[]> {
  const bodyType = kind === 'calendar' ? 'Best' : 'Text';
  const body =
    `<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>${bodyType}</t:BodyType>` +
    `<t:AdditionalProperties><t:FieldURI FieldURI="item:Body"/>${kind === 'calendar' ? CALENDAR_FIELDS : ''}</t:AdditionalProperties></m:ItemShape>` +
    `<m:ItemIds>${ids.map((id) => `<t:ItemId Id="${escapeXml(id)}"/>`).join('')}</m:ItemIds></m:GetItem>`;
  const { messages } = await call(ctx, 'GetItem', body);
  return ids.map((_, i): GetItemResult => {
    const m = messages[i];
    if (!m) return { ok: false, code: 'ErrorMissingResponse', text: 'no response message for this id' };
    const e = messageError(m);
    if (e) {
      if (
        e.code === 'ErrorServerBusy' ||
        e.code === 'ErrorAccessDenied' ||
        e.code.startsWith('ErrorImpersonat')
      ) {
        requireSuccess(ctx, 'GetItem', m); // a mailbox-level problem, not this item's
      }
      return { ok: false, ...e };
    }
    const found = elements(child(m, 'Items'))[0];
    if (found) return { ok: true, element: found[0], item: found[1] };
    return { ok: false, code: 'ErrorMissingItem', text: 'the response message holds no item' };
  });
}

/** GetAttachment of one file attachment, reading at most `maxBytes` of the answer. */
export async function getFileAttachment(
  ctx: SoapContext,
  attachmentId: string,
  maxBytes: number,
): Promise<{ contentBase64: string; size: number } | { tooLarge: true } | { error: string }> {
  const body = `<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${escapeXml(attachmentId)}"/></m:AttachmentIds></m:GetAttachment>`;
  const { messages, truncated } = await call(ctx, 'GetAttachment', body, { maxBytes });
  if (truncated) return { tooLarge: true };
  const m = messages[0] as XNode;
  const e = messageError(m);
  if (e) return { error: `${e.code}${e.text ? `: ${e.text}` : ''}` };
  const file = child(child(m, 'Attachments'), 'FileAttachment');
  const content = (text(file, 'Content') ?? '').replace(/\s+/g, '');
  return { contentBase64: content, size: Buffer.byteLength(content, 'base64') };
}

/** One page of a folder's changes since a sync state (SyncFolderItems, Exchange 2007 SP1). */
export interface EwsSyncPage {
  /** Created or changed items (ids and new ChangeKeys): fetch them. */
  changed: EwsItemRef[];
  /** Ids of items deleted on the source. */
  deleted: string[];
  /** Keep it and pass it to the next call; opaque. */
  syncState: string;
  /** No more changes after this page (IncludesLastItemInRange). */
  done: boolean;
}

/** SyncFolderItems (IdOnly) from `syncState` (none: from the beginning, every item is a change). */
export async function syncFolderItems(
  ctx: SoapContext,
  folderId: string,
  syncState?: string,
): Promise<EwsSyncPage> {
  const body =
    `<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>` +
    `<m:SyncFolderId><t:FolderId Id="${escapeXml(folderId)}"/></m:SyncFolderId>` +
    (syncState ? `<m:SyncState>${escapeXml(syncState)}</m:SyncState>` : '') +
    `<m:MaxChangesReturned>${SYNC_PAGE_SIZE}</m:MaxChangesReturned></m:SyncFolderItems>`;
  const { messages } = await call(ctx, 'SyncFolderItems', body);
  const message = requireSuccess(ctx, 'SyncFolderItems', messages[0] as XNode);
  const changes = child(message, 'Changes');
  const changed = ['Create', 'Update'].flatMap((kind) =>
    children(changes, kind).flatMap((c) =>
      elements(c).map(([element, i]) => {
        const id = child(i, 'ItemId');
        return { id: attr(id, 'Id') ?? '', changeKey: attr(id, 'ChangeKey') ?? '', element };
      }),
    ),
  );
  const deleted = children(changes, 'Delete').map((d) => attr(child(d, 'ItemId'), 'Id') ?? '');
  return {
    changed: changed.filter((r) => r.id),
    deleted: deleted.filter(Boolean),
    syncState: text(message, 'SyncState') ?? '',
    done: text(message, 'IncludesLastItemInRange') !== 'false',
  };
}
