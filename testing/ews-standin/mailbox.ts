import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One stand-in mailbox: a folder tree under msgfolderroot and items kept as the XML fragments of
 * the fixture files (returned verbatim by GetItem), plus file attachments.
 */

export interface StandinFolder {
  id: string;
  parentId: string | undefined;
  displayName: string;
  folderClass: string;
  /** A distinguished folder name (`msgfolderroot`, `calendar`, `contacts`, `inbox`...). */
  distinguished?: string;
}

export interface StandinItem {
  id: string;
  changeKey: string;
  folderId: string;
  /** The item's element name: CalendarItem, Contact, DistributionList... */
  element: string;
  xml: string;
  /** Listed by FindItem (a modified occurrence is not: only GetItem by its id reaches it). */
  listed: boolean;
  /** GetItem answers ErrorCorruptData for it (a damaged item on a real server). */
  corrupt: boolean;
  /** Change counter when it was created / last changed (SyncFolderItems reports changes after a state). */
  createdSeq: number;
  changedSeq: number;
}

/** A deleted item, remembered for SyncFolderItems. */
export interface StandinTombstone {
  id: string;
  changeKey: string;
  folderId: string;
  seq: number;
}

export interface StandinAttachment {
  id: string;
  name: string;
  contentType: string;
  content: Buffer;
}

/** The fixtures beside this file (under ts-jest), or in the source tree when run from build/. */
export const FIXTURES = existsSync(join(__dirname, 'fixtures'))
  ? join(__dirname, 'fixtures')
  : join(__dirname, '..', '..', '..', 'testing', 'ews-standin', 'fixtures');

/** A fixture file without its leading comment, `{{key}}` placeholders filled. */
export function fixture(name: string, values: Record<string, string | number> = {}): string {
  const raw = readFileSync(join(FIXTURES, name), 'utf8')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
  return raw.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(values[k] ?? ''));
}

export class StandinMailbox {
  readonly folders: StandinFolder[] = [];
  readonly items = new Map<string, StandinItem>();
  readonly attachments = new Map<string, StandinAttachment>();
  readonly tombstones: StandinTombstone[] = [];
  /** The mailbox's change counter (every create, update and delete takes the next value). */
  seq = 0;

  constructor(readonly smtp: string) {
    // The distinguished folders every Exchange 2007 mailbox has (the ones the tests touch).
    this.addFolder({
      id: 'fld-root',
      parentId: undefined,
      displayName: 'Top of Information Store',
      folderClass: 'IPF.Note',
      distinguished: 'msgfolderroot',
    });
    this.addFolder({
      id: 'fld-inbox',
      parentId: 'fld-root',
      displayName: 'Inbox',
      folderClass: 'IPF.Note',
      distinguished: 'inbox',
    });
    this.addFolder({
      id: 'fld-calendar',
      parentId: 'fld-root',
      displayName: 'Calendar',
      folderClass: 'IPF.Appointment',
      distinguished: 'calendar',
    });
    this.addFolder({
      id: 'fld-contacts',
      parentId: 'fld-root',
      displayName: 'Contacts',
      folderClass: 'IPF.Contact',
      distinguished: 'contacts',
    });
    this.addFolder({
      id: 'fld-tasks',
      parentId: 'fld-root',
      displayName: 'Tasks',
      folderClass: 'IPF.Task',
      distinguished: 'tasks',
    });
  }

  addFolder(folder: StandinFolder): this {
    this.folders.push(folder);
    return this;
  }

  /** Adds an item from its XML fragment (its ItemId and ChangeKey are read from it). */
  addItem(folderId: string, xml: string, options: { listed?: boolean; corrupt?: boolean } = {}): StandinItem {
    const element = /^<t:(\w+)/.exec(xml)?.[1];
    const id = /<t:ItemId Id="([^"]+)" ChangeKey="([^"]+)"\/>/.exec(xml);
    if (!element || !id) throw new Error('fixture item without an element name or ItemId');
    const item: StandinItem = {
      id: id[1] as string,
      changeKey: id[2] as string,
      folderId,
      element,
      xml,
      listed: options.listed ?? true,
      corrupt: options.corrupt ?? false,
      createdSeq: ++this.seq,
      changedSeq: this.seq,
    };
    this.items.set(item.id, item);
    return item;
  }

  addFixture(
    folderId: string,
    name: string,
    options: { listed?: boolean; corrupt?: boolean; values?: Record<string, string | number> } = {},
  ): StandinItem {
    return this.addItem(folderId, fixture(name, options.values), options);
  }

  /** Replaces an item's XML as an edit on the server would (a new ChangeKey is read from it). */
  updateItem(xml: string): StandinItem {
    const id = /<t:ItemId Id="([^"]+)" ChangeKey="([^"]+)"\/>/.exec(xml);
    const item = id ? this.items.get(id[1] as string) : undefined;
    if (!item || !id) throw new Error('no such item to update');
    Object.assign(item, { xml, changeKey: id[2] as string, changedSeq: ++this.seq });
    return item;
  }

  deleteItem(id: string): void {
    const item = this.items.get(id);
    if (!item) throw new Error('no such item to delete');
    this.items.delete(id);
    this.tombstones.push({ id, changeKey: item.changeKey, folderId: item.folderId, seq: ++this.seq });
  }

  addAttachment(attachment: StandinAttachment): this {
    this.attachments.set(attachment.id, attachment);
    return this;
  }

  /** Descendants of a folder, depth first (FindFolder Traversal="Deep"), or its children (Shallow). */
  below(folderId: string, deep: boolean): StandinFolder[] {
    const out: StandinFolder[] = [];
    for (const f of this.folders.filter((x) => x.parentId === folderId)) {
      out.push(f);
      if (deep) out.push(...this.below(f.id, true));
    }
    return out;
  }
}
