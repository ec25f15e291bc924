import type {
  PimAttachment,
  PimCollection,
  PimEvent,
  PimFetched,
  PimItem,
  PimItemRef,
  PimSource,
} from '../model';
import { mapCalendarItem, MalformedItem, modifiedOccurrenceIds } from './calendar';
import { distributionListSkip, mapContact } from './contact';
import { EwsError, EwsErrorCode, PimSkipCode } from './errors';
import {
  ATTACHMENT_MAX_BYTES,
  FETCH_MAX_REFS,
  GET_ITEM_BATCH,
  MAX_ATTACHMENTS_PER_ITEM,
  MAX_MODIFIED_OCCURRENCES,
} from './limits';
import {
  distinguishedFolderIds,
  findAllFolders,
  findAllItems,
  getFileAttachment,
  getItems,
  syncFolderItems,
  type GetItemResult,
} from './operations';
import { parseEwsSettings, serviceUrl, splitAccount, type EwsSettings } from './settings';
import { attr, child, children, text, type SoapContext, type XNode } from './soap';
import { EwsTransport } from './transport';

export interface EwsLogin {
  /** The mailbox's primary SMTP address (impersonated, or the user's own). */
  email: string;
  /** Per-user login name from the CSV (DOMAIN\user, user@domain or user); ignored with impersonation. */
  userName?: string;
  /** The admin's password with impersonation, else the user's; from the secret store. */
  password?: string;
}

/** One page of changes of a collection since a sync state (see `EwsPimSource.changes`). */
export interface EwsChanges {
  /** Created or changed items: fetch them (version = the new ChangeKey). */
  changed: PimItemRef[];
  /** Ids of items deleted on the source since the state. */
  deleted: string[];
  /** Store it with the collection and pass it next time; opaque. */
  syncState: string;
  /** false: call again with `syncState` for the next page. */
  done: boolean;
}

/**
 * The EWS source: a PimSource, plus SyncFolderItems for incremental passes in O(changes)
 * (PimSource itself has no such call yet; `list` + ChangeKey comparison works everywhere).
 */
export interface EwsPimSource extends PimSource {
  changes(collection: PimCollection, syncState?: string): Promise<EwsChanges>;
}

/** Opens the EWS source of one mailbox: nothing is sent until the first call. */
export async function openEwsSource(settings: EwsSettings, login: EwsLogin): Promise<EwsPimSource> {
  const s = parseEwsSettings(settings);
  if (!login.password) {
    throw new EwsError(
      EwsErrorCode.badSettings,
      s.impersonation
        ? `No password for the EWS admin account ${s.admin?.user ?? ''}: store it in the secret store for the source endpoint.`
        : `No EWS password for ${login.email}: the batch CSV row needs UserName and Password (or use impersonation).`,
      { email: login.email },
    );
  }
  const account =
    s.impersonation && s.admin
      ? splitAccount(s.admin.user, s.admin.domain)
      : splitAccount(login.userName ?? login.email);
  const transport = new EwsTransport(
    serviceUrl(s),
    { auth: s.auth, ...account, password: login.password },
    s.allowInvalidCertificates,
  );
  const ctx: SoapContext = {
    transport,
    mailbox: login.email,
    impersonate: s.impersonation ? login.email : undefined,
    user: account.domain ? `${account.domain}\\${account.user}` : account.user,
  };
  return new EwsSource(ctx, transport);
}

class EwsSource implements EwsPimSource {
  constructor(
    private readonly ctx: SoapContext,
    private readonly transport: EwsTransport,
  ) {}

  async collections(): Promise<PimCollection[]> {
    const [folders, [calendarId, contactsId]] = await Promise.all([
      findAllFolders(this.ctx),
      distinguishedFolderIds(this.ctx, ['calendar', 'contacts']),
    ]);
    const out: PimCollection[] = [];
    for (const f of folders) {
      // IPF.Appointment and IPF.Contact, and their sub-classes (e.g. IPF.Contact.MOC.QuickContacts).
      const kind = /^IPF\.Appointment(\.|$)/i.test(f.folderClass)
        ? 'calendar'
        : /^IPF\.Contact(\.|$)/i.test(f.folderClass)
          ? 'contacts'
          : undefined;
      if (!kind || !f.id) continue;
      out.push({
        id: f.id,
        kind,
        displayName: f.displayName,
        isDefault: f.id === (kind === 'calendar' ? calendarId : contactsId),
      });
    }
    return out;
  }

  async list(collection: PimCollection): Promise<PimItemRef[]> {
    const refs = await findAllItems(this.ctx, collection.id);
    return refs.map((r) => ({ id: r.id, version: r.changeKey }));
  }

  async changes(collection: PimCollection, syncState?: string): Promise<EwsChanges> {
    const page = await syncFolderItems(this.ctx, collection.id, syncState);
    return { ...page, changed: page.changed.map((r) => ({ id: r.id, version: r.changeKey })) };
  }

  async fetch(collection: PimCollection, refs: PimItemRef[]): Promise<PimFetched[]> {
    if (refs.length > FETCH_MAX_REFS) {
      throw new EwsError(
        EwsErrorCode.tooManyItems,
        `fetch takes at most ${FETCH_MAX_REFS} refs per call (got ${refs.length}): page the refs.`,
        {
          mailbox: this.ctx.mailbox,
        },
      );
    }
    const out: PimFetched[] = [];
    for (let i = 0; i < refs.length; i += GET_ITEM_BATCH) {
      const batch = refs.slice(i, i + GET_ITEM_BATCH);
      const results = await getItems(
        this.ctx,
        batch.map((r) => r.id),
        collection.kind,
      );
      const occurrences = await this.occurrencesOf(results);
      for (const [j, ref] of batch.entries()) {
        const result = results[j] as GetItemResult;
        // Deleted between list and fetch: nothing to migrate, the next list will not show it.
        if (!result.ok && result.code === 'ErrorItemNotFound') continue;
        out.push({ ref, item: await this.mapItem(ref, result, occurrences) });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.transport.close();
  }

  /** GetItem of the modified occurrences of every recurring master in the batch, in batches. */
  private async occurrencesOf(results: GetItemResult[]): Promise<Map<string, XNode>> {
    const ids = results.flatMap((r) =>
      r.ok && r.element === 'CalendarItem'
        ? modifiedOccurrenceIds(r.item).slice(0, MAX_MODIFIED_OCCURRENCES)
        : [],
    );
    const map = new Map<string, XNode>();
    for (let i = 0; i < ids.length; i += GET_ITEM_BATCH) {
      const batch = ids.slice(i, i + GET_ITEM_BATCH);
      const got = await getItems(this.ctx, batch, 'calendar');
      got.forEach((g, k) => {
        if (g.ok && g.element === 'CalendarItem') map.set(batch[k] as string, g.item);
      });
    }
    return map;
  }

  private async mapItem(
    ref: PimItemRef,
    result: GetItemResult,
    occurrences: Map<string, XNode>,
  ): Promise<PimItem> {
    if (!result.ok) {
      return {
        kind: 'unsupported',
        label: ref.id,
        code: PimSkipCode.malformed,
        message: `Exchange could not read the item ${ref.id} (${result.code}${result.text ? `: ${result.text}` : ''}). Open it in Outlook on the source; if it opens, save it again and run the incremental sync.`,
      };
    }
    const { element, item } = result;
    try {
      if (element === 'DistributionList') return distributionListSkip(item);
      if (element === 'Contact') return mapContact(item);
      if (element === 'CalendarItem') {
        const tooMany =
          children(child(item, 'ModifiedOccurrences'), 'Occurrence').length > MAX_MODIFIED_OCCURRENCES;
        const label = text(item, 'Subject') || ref.id;
        if (tooMany) {
          return {
            kind: 'unsupported',
            label,
            code: PimSkipCode.tooManyExceptions,
            message: `The series "${label}" has more than ${MAX_MODIFIED_OCCURRENCES} edited occurrences: split it on the source (end it and start a new series).`,
          };
        }
        const event = mapCalendarItem(item, occurrences);
        if (event.kind === 'event') event.attachments = await this.attachments(item);
        return event;
      }
      const label = text(item, 'Subject') || ref.id;
      return {
        kind: 'unsupported',
        label,
        code: PimSkipCode.unsupportedItem,
        message: `"${label}" is a ${text(item, 'ItemClass') || element} item, neither an event nor a contact: it is not migrated.`,
      };
    } catch (e) {
      if (e instanceof EwsError) throw e;
      const label = text(item, 'Subject') || text(item, 'DisplayName') || ref.id;
      const why = e instanceof MalformedItem ? e.message : 'its properties do not parse';
      return {
        kind: 'unsupported',
        label,
        code: PimSkipCode.malformed,
        message: `The item "${label}" cannot be read: ${why}. Fix it on the source (open and save it in Outlook) and run the incremental sync.`,
      };
    }
  }

  /** Lists an event's attachments; reads a file attachment's content only up to ATTACHMENT_MAX_BYTES. */
  private async attachments(item: XNode): Promise<PimEvent['attachments']> {
    const list = child(item, 'Attachments');
    const out: PimAttachment[] = [];
    for (const [i, a] of children(list, 'FileAttachment').entries()) {
      const id = attr(child(a, 'AttachmentId'), 'Id');
      const name = text(a, 'Name') || 'attachment';
      const contentType = text(a, 'ContentType') || 'application/octet-stream';
      const declared = Number(text(a, 'Size'));
      if (!id || i >= MAX_ATTACHMENTS_PER_ITEM || declared > ATTACHMENT_MAX_BYTES) {
        out.push({ name, contentType, size: Number.isFinite(declared) ? declared : 0 });
        continue;
      }
      // Base64 is 4/3 of the bytes; the envelope adds a little.
      const got = await getFileAttachment(
        this.ctx,
        id,
        Math.ceil((ATTACHMENT_MAX_BYTES * 4) / 3) + 64 * 1024,
      );
      if ('tooLarge' in got) out.push({ name, contentType, size: ATTACHMENT_MAX_BYTES + 1 });
      else if ('error' in got)
        out.push({ name, contentType, size: Number.isFinite(declared) ? declared : 0 });
      else if (got.size > ATTACHMENT_MAX_BYTES) out.push({ name, contentType, size: got.size });
      else out.push({ name, contentType, size: got.size, contentBase64: got.contentBase64 });
    }
    // Attached Outlook items (ItemAttachment) have no bytes on Exchange 2007: listed by name only.
    for (const a of children(list, 'ItemAttachment')) {
      out.push({ name: text(a, 'Name') || 'attached item', contentType: 'message/rfc822', size: 0 });
    }
    return out;
  }
}
