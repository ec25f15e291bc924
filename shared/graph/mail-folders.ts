import type { FolderRole, TargetFolder } from '../mail/target';
import type { GraphClient } from './client';
import { GraphError, isGraphError } from './errors';

export const GRAPH_WELL_KNOWN: Record<FolderRole, string> = {
  inbox: 'inbox',
  sent: 'sentitems',
  drafts: 'drafts',
  trash: 'deleteditems',
  junk: 'junkemail',
  archive: 'archive',
};

/** Names the engine may use for a role folder's first path segment (IMAP and Exchange names). */
const ROLE_NAMES: Record<string, FolderRole> = {
  inbox: 'inbox',
  'sent items': 'sent',
  sent: 'sent',
  drafts: 'drafts',
  'deleted items': 'trash',
  trash: 'trash',
  'junk email': 'junk',
  junk: 'junk',
  archive: 'archive',
};

export interface FolderNode {
  id: string;
  displayName: string;
}

/**
 * One mailbox's folders on Graph: found by well-known name (inbox, sentitems, drafts,
 * deleteditems, junkemail, archive) and by path, created segment by segment when missing, their
 * ids cached per path (a folder deleted meanwhile is forgotten and found or created again).
 */
export class GraphFolders {
  private readonly ids = new Map<string, Promise<string>>();
  private roleIds: Promise<Map<FolderRole, string>> | undefined;

  constructor(
    private readonly client: GraphClient,
    /** `/users/{id}`: every request addresses the mailbox by its user id. */
    private readonly base: string,
  ) {}

  /** Well-known folder ids, one $batch for all roles (a role the mailbox lacks is left out). */
  private wellKnown(): Promise<Map<FolderRole, string>> {
    this.roleIds ??= (async () => {
      const roles = Object.keys(GRAPH_WELL_KNOWN) as FolderRole[];
      const results = await this.client.batch(
        roles.map((r) => ({
          method: 'GET',
          url: `${this.base}/mailFolders/${GRAPH_WELL_KNOWN[r]}?$select=id,displayName`,
        })),
      );
      const map = new Map<FolderRole, string>();
      results.forEach((res, i) => {
        if (res.status === 200) map.set(roles[i]!, (res.body as FolderNode).id);
        else if (res.error && res.status !== 404) throw res.error;
      });
      return map;
    })();
    this.roleIds.catch(() => (this.roleIds = undefined));
    return this.roleIds;
  }

  private async children(parentId: string | null): Promise<FolderNode[]> {
    const path =
      parentId === null ? `${this.base}/mailFolders` : `${this.base}/mailFolders/${parentId}/childFolders`;
    return this.client.all<FolderNode>(`${path}?$select=id,displayName&$top=250&includeHiddenFolders=false`);
  }

  async list(): Promise<TargetFolder[]> {
    const roles = await this.wellKnown();
    const roleById = new Map([...roles].map(([r, id]) => [id, r]));
    const out: TargetFolder[] = [];
    const walk = async (parentId: string | null, prefix: string): Promise<void> => {
      for (const f of await this.children(parentId)) {
        const path = prefix ? `${prefix}/${f.displayName}` : f.displayName;
        this.ids.set(path.toLowerCase(), Promise.resolve(f.id));
        const role = roleById.get(f.id);
        out.push({ path, ...(role ? { role } : {}) });
        await walk(f.id, path);
      }
    };
    await walk(null, '');
    return out;
  }

  /** The folder id for a path, creating missing segments. Concurrent calls for one path share the work. */
  idOf(path: string): Promise<string> {
    const key = path.toLowerCase();
    let id = this.ids.get(key);
    if (!id) {
      id = this.resolve(path);
      this.ids.set(key, id);
      id.catch(() => this.ids.delete(key));
    }
    return id;
  }

  /** The folder is gone on the target: the next idOf finds or creates it again. */
  forget(path: string): void {
    this.ids.delete(path.toLowerCase());
  }

  private async resolve(path: string): Promise<string> {
    const segments = path.split('/').filter((s) => s.length > 0);
    if (segments.length === 0)
      throw new GraphError('GRAPH_FOLDER_INVALID', 'An empty folder path cannot be created.', {
        status: 0,
        graphCode: null,
        path,
      });
    const parentPath = segments.slice(0, -1).join('/');
    const name = segments[segments.length - 1]!;
    if (!parentPath) {
      const role = ROLE_NAMES[name.toLowerCase()];
      const roleId = role ? (await this.wellKnown()).get(role) : undefined;
      if (roleId) return roleId;
    }
    const parentId = parentPath ? await this.idOf(parentPath) : null;
    const existing = await this.named(parentId, name);
    if (existing) return existing;
    const url =
      parentId === null ? `${this.base}/mailFolders` : `${this.base}/mailFolders/${parentId}/childFolders`;
    try {
      return (await this.client.post<FolderNode>(url, { displayName: name })).id;
    } catch (e) {
      // Created meanwhile by another worker: read it back.
      const again = isGraphError(e) && e.status === 409 ? await this.named(parentId, name) : undefined;
      if (again) return again;
      throw e;
    }
  }

  private async named(parentId: string | null, name: string): Promise<string | undefined> {
    const lower = name.toLowerCase();
    return (await this.children(parentId)).find((f) => f.displayName.toLowerCase() === lower)?.id;
  }
}
