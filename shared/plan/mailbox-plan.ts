import type { Services } from '../app/services';
import { folderMatcher } from '../mail/filters';
import { folderMapper } from '../mail/folder-map';
import { displayPath, mapFolders } from '../mail/folders';
import { ImapTarget } from '../mail/imap-target';
import { parseEndpoint, parseOptions } from '../mail/settings';
import { ImapSource } from '../mail/source';
import { MailState, type FolderState } from '../mail/state';
import type { MailTarget } from '../mail/target';
import { failFrom } from '../migration/connectors';
import { mailContext } from '../migration/copy';
import type { Batch } from '../state';
import { countFolder, type FolderCount } from './count-folder';
import { resolveDateWindow } from './date-window';

/**
 * The dry run of one mailbox: logs in to both sides, lists the folders, maps them exactly as a pass
 * would (filters, folder map, the target's renames) and counts each folder's messages. Nothing is
 * written to the target: the target is only logged in to and listed, never asked to create, append
 * or delete.
 */
export interface FolderPlanRow extends FolderCount {
  source: string;
  target: string;
  /** Messages earlier passes copied into this folder (the engine's own counter). */
  alreadyCopied: number;
  /** What this pass would copy: in the window, under the limit, not copied before (an estimate). */
  toCopy: number;
  toCopyBytes: number;
}

export interface MailboxPlanTotals {
  messages: number;
  bytes: number;
  toCopy: number;
  toCopyBytes: number;
  alreadyCopied: number;
  tooLarge: number;
  filteredByDate: number;
  /** Messages in folders the filters leave out (from STATUS, not fetched). */
  excludedMessages: number;
}

export type MailboxPlan =
  | {
      email: string;
      ok: true;
      folders: FolderPlanRow[];
      excluded: Array<{ source: string; reason: string; messages?: number }>;
      renames: Array<{ source: string; target: string; reason: string }>;
      totals: MailboxPlanTotals;
      /** Minutes the copy would take at the plan's rate. */
      estimatedMinutes: number;
    }
  | { email: string; ok: false; error: { code: string; message: string } };

export async function planMailboxDryRun(
  svc: Services,
  batch: Batch,
  email: string,
  bytesPerMinute: number,
  now: Date,
): Promise<MailboxPlan> {
  let source: ImapSource | undefined;
  let target: MailTarget | undefined;
  try {
    const ctx = await mailContext(svc, batch.id, email);
    // A dry run is a pass starting now: ages resolve against this moment.
    const options = parseOptions({
      ...ctx.options,
      since: undefined,
      before: undefined,
      ...resolveDateWindow(batch.options, now),
    });
    source = await ImapSource.open(parseEndpoint(ctx.source.endpoint, 'source'), ctx.source.login);
    target =
      'open' in ctx.target
        ? await ctx.target.open()
        : await ImapTarget.open(parseEndpoint(ctx.target.endpoint, 'target'), ctx.target.login);
    const [sourceFolders, targetFolders, states] = await Promise.all([
      source.listFolders(),
      target.listFolders(),
      copiedSoFar(svc, ctx.mailboxKey),
    ]);
    const mapping = mapFolders(
      sourceFolders,
      targetFolders,
      target.capabilities,
      folderMatcher(options.include, options.exclude),
      folderMapper(options.folderMap, options.folderRules),
    );
    const byPath = new Map(sourceFolders.map((f) => [f.path, f]));
    const folders: FolderPlanRow[] = [];
    for (const m of mapping.folders) {
      if (!m.selectable) continue;
      const count = await countFolder(source, m.source, {
        maxMessageBytes: target.capabilities.maxMessageBytes,
        since: options.since,
        before: options.before,
      });
      const alreadyCopied = states.get(m.source)?.itemsSynced ?? 0;
      const toCopy = Math.max(0, count.eligible - alreadyCopied);
      const average = count.eligible ? count.eligibleBytes / count.eligible : 0;
      folders.push({
        source: displayPath(byPath.get(m.source) ?? { path: m.source, delimiter: '/' }),
        target: m.target,
        ...count,
        alreadyCopied,
        toCopy,
        toCopyBytes: Math.round(toCopy * average),
      });
    }
    const excluded = mapping.excluded.map((x) => ({
      ...x,
      messages: sourceFolders.find((f) => displayPath(f) === x.source)?.messages,
    }));
    const totals = totalsOf(folders, excluded);
    return {
      email,
      ok: true,
      folders,
      excluded,
      renames: mapping.renames,
      totals,
      estimatedMinutes: Math.ceil((totals.toCopyBytes / bytesPerMinute) * 10) / 10,
    };
  } catch (e) {
    return { email, ...failFrom(e, 'PLAN_MAILBOX_FAILED') };
  } finally {
    await Promise.allSettled([source?.close(), target?.close()]);
  }
}

/** The engine's folder rows of this mailbox (none before its first pass). */
async function copiedSoFar(svc: Services, mailboxKey: string): Promise<Map<string, FolderState>> {
  const state = new MailState(svc.storage, mailboxKey);
  await state.ready();
  return state.listFolders();
}

function totalsOf(folders: FolderPlanRow[], excluded: Array<{ messages?: number }>): MailboxPlanTotals {
  const sum = (pick: (f: FolderPlanRow) => number): number => folders.reduce((n, f) => n + pick(f), 0);
  return {
    messages: sum((f) => f.messages),
    bytes: sum((f) => f.bytes),
    toCopy: sum((f) => f.toCopy),
    toCopyBytes: sum((f) => f.toCopyBytes),
    alreadyCopied: sum((f) => f.alreadyCopied),
    tooLarge: sum((f) => f.tooLarge),
    filteredByDate: sum((f) => f.filteredByDate),
    excludedMessages: excluded.reduce((n, x) => n + (x.messages ?? 0), 0),
  };
}
