import type { Services } from '../app/services';
import { copyChunk, parseEndpoint, type ChunkResult, type FolderPlanEntry, type MailContext } from '../mail';
import { classifyError } from '../mail/transient';
import type { ChunkInput, ChunkOutcome, StepResult } from '../workflow/names';
import { endpointFor, failFrom, passwordFor } from './connectors';
import { microsoft365Target } from './microsoft365';
import { imapOAuthLogin, microsoft365ImapTarget, microsoft365SettingsOf } from './microsoft365-endpoint';
import { countNotCarried, mergeNotCarried } from './fidelity';
import { mailboxKey } from './skipped';
import { resolveDateWindow } from '../plan/date-window';
import { copyQueuedFolders } from './copy-lanes';
import { COPY_CALL_BUDGET_MS, FOLDERS_AT_ONCE } from './limits';
import { chunkTotals, nextProgress } from '../state/mailbox-progress';

/**
 * One bounded copy step for a mailbox, driven by migrateMailbox until it reports `done`. The
 * first call plans the folders (one STATUS each; creates them on the target): an unchanged mailbox
 * ends there. Then, in that call and the next ones, the queued folders are copied a few at once
 * (copy-lanes.ts), chunk after chunk, until all are done or the call's time (COPY_CALL_BUDGET_MS)
 * is spent. The engine keeps the plan and the checkpoints in Table Storage (each folder's row
 * says whether it is still to copy), so a retried call neither duplicates nor loses a message, and
 * the cursor that travels through the orchestration's history is a constant few bytes however
 * many folders the mailbox has.
 */
type Cursor = { planned: true } | LegacyCursor;
/** Written by earlier versions (the whole plan in the cursor); still followed to its end. */
interface LegacyCursor {
  folders: FolderPlanEntry[];
  index: number;
}

/** A failure worth another try: migrateMailbox waits (durable timer, growing backoff) and calls again. */
export type TransientFailure = {
  ok: false;
  transient: true;
  retryAfterMs?: number;
  error: { code: string; message: string };
};

export async function copyMailboxChunk(
  svc: Services,
  input: ChunkInput,
  budgetMs = COPY_CALL_BUDGET_MS,
): Promise<StepResult<ChunkOutcome> | TransientFailure> {
  try {
    // What Graph could not carry for the messages of this call, by kind (none over IMAP).
    const notCarried: Record<string, number> = {};
    const ctx = await mailContext(svc, input.batchId, input.email, notCarried);
    const cursor = input.cursor as Cursor | undefined;
    if (cursor && 'folders' in cursor) return await legacyStep(svc, input, ctx, cursor, notCarried);
    const run = await copyQueuedFolders(ctx, {
      plan: !cursor,
      lanes: foldersAtOnce(ctx),
      deadline: Date.now() + budgetMs,
      onChunk: (r) => recordProgress(svc, input, r, notCarried),
    });
    if (run.error) return { ok: false, error: { code: run.error.code, message: run.error.message } };
    return {
      ok: true,
      done: run.done,
      cursor: { planned: true },
      itemsSynced: run.copied,
      itemsSkipped: run.skipped,
      bytesSynced: run.bytes,
      // Throttled for longer than a call should sleep: the orchestrator waits on a durable timer.
      ...(run.retryAfterMs ? { retryAfterMs: run.retryAfterMs } : {}),
    };
  } catch (e) {
    // Transient (connection refused/reset/lost, throttling, 5xx, a temporary NO, a lost answer):
    // the mailbox waits and tries again; permanent, coded errors end it.
    const failure = failFrom(e, 'COPY_FAILED');
    const cls = classifyError(e);
    if (!cls.transient) return failure;
    return { ...failure, transient: true, ...(cls.retryAfterMs ? { retryAfterMs: cls.retryAfterMs } : {}) };
  }
}

/** Folders at once: FOLDERS_AT_ONCE, or as many as an IMAP target's `connections` setting allows. */
function foldersAtOnce(ctx: MailContext): number {
  const connections = 'endpoint' in ctx.target ? ctx.target.endpoint.connections : undefined;
  return Math.max(FOLDERS_AT_ONCE, typeof connections === 'number' ? connections : 0);
}

/** A cursor of an earlier version: one chunk of the folder at `index`, as those versions did. */
async function legacyStep(
  svc: Services,
  input: ChunkInput,
  ctx: MailContext,
  legacy: LegacyCursor,
  notCarried: Record<string, number>,
): Promise<StepResult<ChunkOutcome>> {
  const folder = legacy.folders[legacy.index];
  if (!folder) return { ok: true, done: true, itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 };
  const result = await copyChunk(ctx, folder);
  if (result.error) return { ok: false, error: { code: result.error.code, message: result.error.message } };
  await recordProgress(svc, input, result, notCarried);
  const index = result.done ? legacy.index + 1 : legacy.index;
  return {
    ok: true,
    done: index >= legacy.folders.length,
    cursor: { folders: legacy.folders, index },
    itemsSynced: result.copied,
    itemsSkipped: result.skipped,
    bytesSynced: result.bytes,
    ...(result.retryAfterMs ? { retryAfterMs: result.retryAfterMs } : {}),
  };
}

/**
 * Progress shows while a mailbox copies. The row takes the engine's own totals (every folder's
 * checkpointed statistics), not this call's increments: a call that crashed after copying, or
 * whose result was lost, leaves nothing uncounted or counted twice, so the row says what the
 * target holds. Contacts and events (counted by their own step) stay added on top.
 */
async function recordProgress(
  svc: Services,
  input: ChunkInput,
  chunk: ChunkResult,
  notCarried: Record<string, number>,
): Promise<void> {
  const stats = chunk.mailboxStats;
  // Live statistics (folder, rate over the last minutes, time left) go with every chunk; with
  // several folders at once, the mailbox is finished when its last folder is and nothing is left.
  const finished =
    chunk.done && stats.itemsSynced + stats.itemsSkipped + stats.itemsFailed >= stats.sourceItems;
  const totals = chunkTotals(chunk.folder, finished, stats);
  // What this call's chunks could not carry since the last write: each kind is added to the row once.
  const delta = { ...notCarried };
  for (const kind of Object.keys(notCarried)) delete notCarried[kind];
  await svc.state.mailboxes.update(input.batchId, input.email, (m) => {
    const itemsSynced = stats.itemsSynced + (m.contactsSynced ?? 0) + (m.eventsSynced ?? 0);
    const itemsSkipped = stats.itemsSkipped + (m.pimSkipped ?? 0);
    const lost = Object.keys(delta).length > 0;
    return {
      itemsSynced,
      itemsSkipped,
      bytesSynced: stats.bytesSynced,
      progress: nextProgress(m.progress, totals),
      ...(lost ? { notCarried: mergeNotCarried(m.notCarried, delta) } : {}),
    };
  });
}

/** Everything the engine needs for one call; secrets are read now and dropped with the call. */
export async function mailContext(
  svc: Services,
  batchId: string,
  email: string,
  notCarried?: Record<string, number>,
): Promise<MailContext> {
  const batch = await svc.state.batches.get(batchId);
  const mailbox = await svc.state.mailboxes.get(batchId, email);
  const source = await endpointFor(svc, batch.sourceEndpoint, 'source');
  const target = await endpointFor(svc, batch.target, 'target');
  return {
    mailboxKey: mailboxKey(batchId, mailbox.email),
    source: {
      endpoint: parseEndpoint(source.settings, 'source'),
      login: {
        email: mailbox.email,
        userName: mailbox.userName,
        password: await passwordFor(svc, source, mailbox),
        ...(await imapOAuthLogin(svc, source)),
      },
    },
    target:
      target.type === 'graph' ||
      (target.type === 'microsoft365' && microsoft365SettingsOf(target).mailTransport === 'graph')
        ? {
            open: () =>
              microsoft365Target(svc, target, mailbox.email, (_key, reasons) =>
                notCarried ? countNotCarried(notCarried, reasons) : undefined,
              ),
          }
        : target.type === 'microsoft365'
          ? await microsoft365ImapTarget(svc, target, mailbox.email)
          : {
              endpoint: parseEndpoint(target.settings, 'target'),
              login: {
                email: mailbox.email,
                password: await passwordFor(svc, target, undefined),
                ...(await imapOAuthLogin(svc, target)),
              },
            },
    storage: svc.storage,
    options: {
      include: batch.options.includeFolders,
      exclude: batch.options.excludeFolders,
      folderMap: batch.options.folderMap,
      folderRules: batch.options.folderRules,
      mirrorDeletions: batch.options.mirrorDeletions,
      // Ages (`90d`) count back from the start of this pass, the same moment for all its calls.
      ...resolveDateWindow(batch.options, new Date(mailbox.syncStartedAt ?? Date.now())),
    },
  };
}
