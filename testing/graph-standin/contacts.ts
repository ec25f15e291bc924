/**
 * Contact folders and contacts as Microsoft Graph v1.0 documents them (contactFolder, contact,
 * profilePhoto):
 * - `/contactFolders` (GET, POST) lists and creates folders under the default Contacts folder;
 *   `/contactFolders/{id}` (GET, PATCH, DELETE), `/contactFolders/{id}/childFolders`;
 * - contacts under `/contacts` (the default folder) and `/contactFolders/{id}/contacts`: POST, GET
 *   (`$filter` incl. `singleValueExtendedProperties/Any(...)`, `$expand`), PATCH, DELETE;
 * - Exchange's caps on multi-value properties, reported for Graph: at most 3 emailAddresses and
 *   2 businessPhones (400 otherwise);
 * - the photo: `PUT .../contacts/{id}/photo/$value` with the image bytes, `GET .../photo/$value`
 *   returns them, `GET .../photo` its metadata; a contact without a photo answers 404.
 */
import type { Directory } from './directory';
import { noMailbox } from './directory';
import { filtered, listPage } from './list';
import { extendedJson, filterPropertyIdsProblem, readExtendedProperties } from './extended';
import {
  MAX_REQUEST_BYTES,
  graphError,
  isReply,
  jsonBody,
  malformedId,
  notFound,
  type GraphReply,
  type GraphRequest,
} from './http';
import { ODataError, select } from './odata';
import {
  newChangeKey,
  newId,
  type StandinContact,
  type StandinContactFolder,
  type StandinExtendedProperty,
  type StandinPim,
} from './pim-state';
import { checkBody, checkQuery } from './schema/validate';
import type { StandinState } from './state';

const FOLDER_ID = /^cfld-[0-9a-f-]{36}$/;
const CONTACT_ID = /^ctc-[0-9a-f-]{36}$/;

/** Exchange's caps on contact multi-value properties (400 beyond them). */
export const CONTACT_LIMITS = { emailAddresses: 3, businessPhones: 2, homePhones: 2, imAddresses: 3 };

/** Contact photos, like user photos, are at most 4 MB. */
const MAX_PHOTO_BYTES = 4 * 1024 * 1024;

export class Contacts {
  constructor(
    private readonly state: StandinState,
    private readonly directory: Directory,
  ) {}

  handle(req: GraphRequest): GraphReply | null {
    const parts = req.path.split('/').filter(Boolean);
    if (parts[0] !== 'users' || !parts[1] || parts.length < 3) return null;
    const sub = parts[2]!;
    if (sub !== 'contacts' && sub !== 'contactFolders') return null;
    const user = this.directory.findUser(parts[1]);
    if (!user)
      return graphError(
        404,
        'ErrorInvalidUser',
        `The requested user '${decodeURIComponent(parts[1])}' is invalid.`,
      );
    const box = this.state.mailboxes.get(user.id);
    if (!user.hasMailbox || !box) return noMailbox();
    if ((req.method === 'POST' || req.method === 'PATCH') && req.body.length > MAX_REQUEST_BYTES)
      return graphError(
        413,
        'ErrorRequestEntityTooLarge',
        'The request body exceeds the maximum size of 4 MB.',
      );
    try {
      if (sub === 'contacts') return this.contacts(req, box.pim, parts.slice(3), null);
      return this.folders(req, box.pim, parts.slice(3));
    } catch (e) {
      if (e instanceof ODataError)
        return graphError(400, 'BadRequest', `Invalid filter clause: ${e.message}`);
      throw e;
    }
  }

  private folderJson(f: StandinContactFolder): Record<string, unknown> {
    return { id: f.id, displayName: f.displayName, parentFolderId: f.parentFolderId };
  }

  private folders(req: GraphRequest, pim: StandinPim, rest: string[]): GraphReply | null {
    if (rest.length === 0) return this.folderCollection(req, pim, pim.contactsFolderId);
    const id = decodeURIComponent(rest[0]!);
    if (!FOLDER_ID.test(id)) return malformedId();
    const folder = pim.contactFolders.get(id);
    if (!folder) return notFound();
    if (rest.length === 1) {
      if (req.method === 'GET')
        return (
          checkQuery('contactFolder', req, 'item') ?? {
            status: 200,
            body: select(this.folderJson(folder), req.query.get('$select')),
          }
        );
      if (req.method === 'PATCH') {
        const body = jsonBody(req);
        if (isReply(body)) return body;
        const bad = checkBody('contactFolder', body, 'update');
        if (bad) return bad;
        if (typeof body.displayName === 'string') folder.displayName = body.displayName;
        return { status: 200, body: this.folderJson(folder) };
      }
      if (req.method === 'DELETE') {
        if (folder.id === pim.contactsFolderId)
          return graphError(
            400,
            'ErrorDeleteDistinguishedFolder',
            'Distinguished folders cannot be deleted.',
          );
        this.deleteFolder(pim, folder.id);
        return { status: 204 };
      }
      return null;
    }
    if (rest[1] === 'childFolders' && rest.length === 2) return this.folderCollection(req, pim, folder.id);
    if (rest[1] === 'contacts') return this.contacts(req, pim, rest.slice(2), folder.id);
    return null;
  }

  private deleteFolder(pim: StandinPim, id: string): void {
    for (const child of [...pim.contactFolders.values()])
      if (child.parentFolderId === id) this.deleteFolder(pim, child.id);
    for (const c of [...pim.contacts.values()]) if (c.parentFolderId === id) pim.contacts.delete(c.id);
    pim.contactFolders.delete(id);
  }

  private folderCollection(req: GraphRequest, pim: StandinPim, parentId: string): GraphReply | null {
    if (req.method === 'GET') {
      const badQuery = checkQuery('contactFolder', req, 'collection');
      if (badQuery) return badQuery;
      const list = [...pim.contactFolders.values()]
        .filter((f) => f.parentFolderId === parentId)
        .map((f) => this.folderJson(f));
      return listPage(req, filtered(req, list));
    }
    if (req.method !== 'POST') return null;
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const bad = checkBody('contactFolder', body, 'create');
    if (bad) return bad;
    const name = body.displayName;
    if (typeof name !== 'string' || name.trim() === '')
      return graphError(400, 'ErrorInvalidParameter', 'The contact folder needs a displayName.');
    for (const f of pim.contactFolders.values())
      if (f.parentFolderId === parentId && f.displayName.toLowerCase() === name.toLowerCase())
        return graphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    const folder: StandinContactFolder = { id: newId('cfld'), displayName: name, parentFolderId: parentId };
    pim.contactFolders.set(folder.id, folder);
    return { status: 201, body: this.folderJson(folder) };
  }

  contactJson(req: GraphRequest, c: StandinContact, expandOverride?: string): Record<string, unknown> {
    const f = c.fields;
    const out: Record<string, unknown> = {
      '@odata.etag': `W/"${c.changeKey}"`,
      id: c.id,
      createdDateTime: c.createdDateTime,
      lastModifiedDateTime: c.lastModifiedDateTime,
      changeKey: c.changeKey,
      categories: [],
      parentFolderId: c.parentFolderId,
      birthday: null,
      fileAs: '',
      displayName: '',
      givenName: null,
      initials: null,
      middleName: null,
      nickName: null,
      surname: null,
      title: null,
      yomiGivenName: null,
      yomiSurname: null,
      yomiCompanyName: null,
      generation: null,
      imAddresses: [],
      jobTitle: null,
      companyName: null,
      department: null,
      officeLocation: null,
      profession: null,
      businessHomePage: null,
      assistantName: null,
      manager: null,
      homePhones: [],
      mobilePhone: null,
      businessPhones: [],
      spouseName: null,
      personalNotes: '',
      children: [],
      emailAddresses: [],
      homeAddress: {},
      businessAddress: {},
      otherAddress: {},
      ...f,
    };
    if (!f.displayName) {
      // Exchange composes displayName from the name parts when the client leaves it out.
      out.displayName = [f.givenName, f.middleName, f.surname]
        .filter((x) => typeof x === 'string' && x)
        .join(' ');
    }
    extendedJson(req, c.extended, out, expandOverride);
    // Like single-value ones, multi-value extended properties come back only when expanded.
    if (!/multiValueExtendedProperties/i.test(req.query.get('$expand') ?? ''))
      delete out.multiValueExtendedProperties;
    return out;
  }

  private limitsProblem(fields: Record<string, unknown>): GraphReply | null {
    for (const [prop, max] of Object.entries(CONTACT_LIMITS)) {
      const v = fields[prop];
      if (Array.isArray(v) && v.length > max) {
        const name = prop[0]!.toUpperCase() + prop.slice(1);
        return graphError(
          400,
          'ErrorInvalidArgument',
          `The multi value property ${name} has ${v.length} entries, that exceeds the max allowed value of ${max}`,
        );
      }
    }
    return null;
  }

  private contacts(
    req: GraphRequest,
    pim: StandinPim,
    rest: string[],
    folderId: string | null,
  ): GraphReply | null {
    const home = folderId ?? pim.contactsFolderId;
    if (rest.length === 0) {
      if (req.method === 'GET') {
        const badQuery = checkQuery('contact', req, 'collection');
        if (badQuery) return badQuery;
        const badExpand = filterPropertyIdsProblem(req.query.get('$expand'));
        if (badExpand) return badExpand;
        const filterText = req.query.get('$filter');
        const badFilter = filterPropertyIdsProblem(filterText);
        if (badFilter) return badFilter;
        const list = filtered(
          req,
          [...pim.contacts.values()].filter((c) => c.parentFolderId === home),
          (c) => this.contactJson(req, c, 'singleValueExtendedProperties'),
        );
        return listPage(
          req,
          list.map((c) => this.contactJson(req, c)),
        );
      }
      if (req.method === 'POST') return this.createContact(req, pim, home);
      return null;
    }
    const id = decodeURIComponent(rest[0]!);
    if (!CONTACT_ID.test(id)) return malformedId();
    const contact = pim.contacts.get(id);
    if (!contact || (folderId !== null && contact.parentFolderId !== folderId)) return notFound();
    if (rest.length === 1) {
      if (req.method === 'GET') {
        const bad = checkQuery('contact', req, 'item') ?? filterPropertyIdsProblem(req.query.get('$expand'));
        if (bad) return bad;
        return { status: 200, body: select(this.contactJson(req, contact), req.query.get('$select')) };
      }
      if (req.method === 'PATCH') return this.patchContact(req, contact);
      if (req.method === 'DELETE') {
        pim.contacts.delete(contact.id);
        return { status: 204 };
      }
      return null;
    }
    if (rest[1] === 'photo') return this.photo(req, contact, rest.slice(2));
    return null;
  }

  private createContact(req: GraphRequest, pim: StandinPim, folderId: string): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const bad = checkBody('contact', body, 'create');
    if (bad) return bad;
    const { singleValueExtendedProperties: svep, ...fields } = body;
    const over = this.limitsProblem(fields);
    if (over) return over;
    const extended = new Map<string, StandinExtendedProperty>();
    if (svep !== undefined) {
      const props = readExtendedProperties(svep);
      if (isReply(props)) return props;
      for (const p of props) extended.set(p.key, { id: p.id, value: p.value });
    }
    const now = new Date().toISOString();
    const contact: StandinContact = {
      id: newId('ctc'),
      parentFolderId: folderId,
      createdDateTime: now,
      lastModifiedDateTime: now,
      changeKey: newChangeKey(),
      fields,
      extended,
      photo: null,
    };
    pim.contacts.set(contact.id, contact);
    return { status: 201, body: this.contactJson(req, contact) };
  }

  private patchContact(req: GraphRequest, contact: StandinContact): GraphReply {
    const body = jsonBody(req);
    if (isReply(body)) return body;
    const bad = checkBody('contact', body, 'update');
    if (bad) return bad;
    const { singleValueExtendedProperties: svep, ...changes } = body;
    const merged = { ...contact.fields, ...changes };
    const over = this.limitsProblem(merged);
    if (over) return over;
    if (svep !== undefined) {
      const props = readExtendedProperties(svep);
      if (isReply(props)) return props;
      for (const p of props) contact.extended.set(p.key, { id: p.id, value: p.value });
    }
    contact.fields = merged;
    contact.lastModifiedDateTime = new Date().toISOString();
    contact.changeKey = newChangeKey();
    return { status: 200, body: this.contactJson(req, contact) };
  }

  private photo(req: GraphRequest, contact: StandinContact, rest: string[]): GraphReply | null {
    const value = rest.length === 1 && rest[0] === '$value';
    if (rest.length === 0 && req.method === 'GET') {
      if (!contact.photo) return graphError(404, 'ErrorItemNotFound', "The photo wasn't found.");
      return {
        status: 200,
        body: {
          '@odata.mediaContentType': contact.photo.contentType,
          id: 'default',
          height: null,
          width: null,
        },
      };
    }
    if (!value) return null;
    if (req.method === 'GET') {
      if (!contact.photo) return graphError(404, 'ErrorItemNotFound', "The photo wasn't found.");
      return { status: 200, raw: { contentType: contact.photo.contentType, bytes: contact.photo.bytes } };
    }
    if (req.method === 'PUT') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!type.startsWith('image/'))
        return graphError(
          400,
          'ErrorInvalidRequest',
          'The photo must be sent as an image (Content-Type image/jpeg or image/png).',
        );
      if (req.body.length === 0) return graphError(400, 'ErrorInvalidRequest', 'The photo is empty.');
      if (req.body.length > MAX_PHOTO_BYTES)
        return graphError(413, 'ErrorRequestEntityTooLarge', 'The photo exceeds the maximum size of 4 MB.');
      contact.photo = { contentType: type, bytes: Buffer.from(req.body) };
      contact.changeKey = newChangeKey();
      return { status: 200 };
    }
    if (req.method === 'DELETE') {
      contact.photo = null;
      return { status: 204 };
    }
    return null;
  }
}
