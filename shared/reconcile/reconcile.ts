import type { Services } from '../app/services';
import { MailState, parseEndpoint, type FolderState, type SkippedItem } from '../mail';
import type { MailTarget } from '../mail/target';
import { mailContext } from '../migration/copy';
import { mailboxKey } from '../migration/skipped';
import { imapFolderTotals, type FolderTotals } from './folder-totals';
import { folderVerdict, type Verdict } from './verdict';

/** One folder's reconciliation: both sides counted now, what mailferry left out, and the verdict. */
export interface FolderReconciliation {
  folder: string;
  targetFolder: string;
  sourceItems: number | null;
  sourceBytes: number | null;
  targetItems: number | null;
  targetBytes: number | null;
  /** Messages mailferry copied into the folder, by its own count. */
  copied: number;
  /** Messages left out on purpose or refused by the target, each kind of reason with its count. */
  skipped: number;
  skippedReasons: { reason: string; count: number }[];
  verdict: Verdict;
  difference: number;
  verdictText: string;
}

export interface MailboxReconciliation {
  email: string;
  checkedAt: string;
  folders: FolderReconciliation[];
  /** Why the target could not count its folders, when it could not. */
  targetNote?: string;
}

const UNCOUNTED_NOTE = 'this target cannot count its folders';

/**
 * Counts from a target reached otherwise than over IMAP (Microsoft Graph): its own folder counts,
 * keyed case-insensitively (Exchange folder names are); undefined when it cannot count.
 */
async function openedTargetTotals(target: {
  open(): Promise<MailTarget>;
}): Promise<Map<string, FolderTotals> | undefined> {
  const opened = await target.open();
  try {
    const counts = await opened.folderCounts?.();
    return counts && new Map([...counts].map(([path, c]) => [path.toLowerCase(), c]));
  } finally {
    await opened.close();
  }
}

/**
 * Reconciles one mailbox folder by folder: the folders mailferry planned (its own state), counted
 * on the source and on the target now, so a message removed from the target behind mailferry's
 * back shows as "missing 1" even though mailferry's own counters say it was copied.
 */
export async function reconcileMailbox(
  svc: Services,
  batchId: string,
  email: string,
): Promise<MailboxReconciliation> {
  const mailbox = await svc.state.mailboxes.get(batchId, email); // MAILBOX_NOT_FOUND
  const state = new MailState(svc.storage, mailboxKey(batchId, mailbox.email));
  await state.ready();
  const folders = [...(await state.listFolders()).values()].sort((a, b) => a.source.localeCompare(b.source));
  const checkedAt = new Date().toISOString();
  if (folders.length === 0) return { email: mailbox.email, checkedAt, folders: [] };
  const skipped = await state.listSkipped();
  const ctx = await mailContext(svc, batchId, mailbox.email);
  const [source, target] = await Promise.all([
    imapFolderTotals(parseEndpoint(ctx.source.endpoint, 'source'), ctx.source.login, 'source'),
    'open' in ctx.target
      ? openedTargetTotals(ctx.target)
      : imapFolderTotals(parseEndpoint(ctx.target.endpoint, 'target'), ctx.target.login, 'target'),
  ]);
  return {
    email: mailbox.email,
    checkedAt,
    folders: folders.map((f) => reconcileFolder(f, skipped, source, target)),
    ...(target ? {} : { targetNote: UNCOUNTED_NOTE }),
  };
}

function reconcileFolder(
  f: FolderState,
  skipped: readonly SkippedItem[],
  source: Map<string, FolderTotals>,
  target: Map<string, FolderTotals> | undefined,
): FolderReconciliation {
  const mine = skipped.filter((s) => s.folder === f.source);
  const src = source.get(f.source);
  const dst = target?.get(f.target) ?? target?.get(f.target.toLowerCase());
  const why = !src
    ? 'the folder is gone from the source'
    : !target
      ? UNCOUNTED_NOTE
      : 'the folder is missing on the target';
  // A folder absent from the target while the source has nothing to copy into it is in order.
  const targetItems = dst ? dst.messages : target && src && src.messages - mine.length <= 0 ? 0 : null;
  const v = folderVerdict(src?.messages ?? null, mine.length, targetItems, why);
  return {
    folder: f.source,
    targetFolder: f.target,
    sourceItems: src?.messages ?? null,
    sourceBytes: src?.bytes ?? null,
    targetItems,
    targetBytes: dst?.bytes ?? (targetItems === 0 ? 0 : null),
    copied: f.itemsSynced,
    skipped: mine.length,
    skippedReasons: reasonsOf(mine),
    verdict: v.verdict,
    difference: v.difference,
    verdictText: v.text,
  };
}

/** What each kind of skipped item means to a person (the item's own reason carries its details). */
const KIND_LABELS: Record<SkippedItem['kind'], string> = {
  tooLarge: 'too large for the target',
  failed: 'refused by the target',
  retry: 'refused for now; tried again on the next pass',
};

/** Skip reasons (by kind) with their counts, most frequent first. */
function reasonsOf(items: readonly SkippedItem[]): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of items) {
    const reason = KIND_LABELS[s.kind] ?? s.kind;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
}
