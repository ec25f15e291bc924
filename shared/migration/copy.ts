import type { Services } from '../app/services';
import {
  copyChunk,
  MailState,
  parseEndpoint,
  planMailbox,
  type FolderPlanEntry,
  type FolderState,
  type MailContext,
} from '../mail';
import { classifyError } from '../mail/transient';
import type { ChunkInput, ChunkOutcome, StepResult } from '../workflow/names';
import { endpointFor, failFrom, passwordFor } from './connectors';
import { microsoft365Target } from './microsoft365';
import { imapOAuthLogin, microsoft365ImapTarget, microsoft365SettingsOf } from './microsoft365-endpoint';
import { countNotCarried, mergeNotCarried } from './fidelity';
import { mailboxKey } from './skipped';
import { chunkTotals, nextProgress } from '../state/mailbox-progress';

/**
 * One bounded copy step for a mailbox, driven by migrateMailbox until it reports `done`:
 * the first call plans the folders (and creates them on the target); each later call copies one
 * chunk of the first folder still queued. The engine keeps the plan and the checkpoints in Table
 * Storage (each folder's row says whether it is still to copy), so a retried call neither
 * duplicates nor loses a message, and the cursor that travels through the orchestration's history
 * is a constant few bytes however many folders the mailbox has.
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
): Promise<StepResult<ChunkOutcome> | TransientFailure> {
  try {
    // What Graph could not carry for the messages of this call, by kind (none over IMAP).
    const notCarried: Record<string, number> = {};
    const ctx = await mailContext(svc, input.batchId, input.email, notCarried);
    const cursor = input.cursor as Cursor | undefined;
    if (!cursor) {
      const plan = await planMailbox(ctx);
      // A folder whose STATUS shows no change needs no further call: an unchanged mailbox costs the plan only.
      const folders = plan.folders.filter((f) => f.selectable && !f.upToDate);
      return {
        ok: true,
        done: folders.length === 0,
        cursor: { planned: true },
        itemsSynced: 0,
        itemsSkipped: 0,
        bytesSynced: 0,
      };
    }
    const legacy = 'folders' in cursor ? cursor : undefined;
    let folder: FolderPlanEntry | undefined;
    let queued = 0;
    if (legacy) folder = legacy.folders[legacy.index];
    else {
      const store = new MailState(ctx.storage, ctx.mailboxKey);
      await store.ready();
      const todo = [...(await store.listFolders()).values()]
        .filter((f) => f.queued)
        .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
      queued = todo.length;
      const next = todo[0];
      if (next) folder = planEntry(next);
    }
    if (!folder) return { ok: true, done: true, itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 };
    const result = await copyChunk(ctx, folder);
    if (result.error) return { ok: false, error: { code: result.error.code, message: result.error.message } };
    const index = legacy ? (result.done ? legacy.index + 1 : legacy.index) : 0;
    // Progress shows while a mailbox copies. The row takes the engine's own totals (every folder's
    // checkpointed statistics), not this call's increments: a call that crashed after copying, or
    // whose result was lost, leaves nothing uncounted or counted twice, so the row says what the
    // target holds. Contacts and events (counted by their own step) stay added on top.
    const stats = result.mailboxStats;
    const finished = legacy ? index >= legacy.folders.length : result.done && queued <= 1;
    const totals = chunkTotals(folder.source, finished, stats);
    await svc.state.mailboxes.update(input.batchId, input.email, (m) => {
      const itemsSynced = stats.itemsSynced + (m.contactsSynced ?? 0) + (m.eventsSynced ?? 0);
      const itemsSkipped = stats.itemsSkipped + (m.pimSkipped ?? 0);
      const lost = Object.keys(notCarried).length > 0;
      // Live statistics (folder, rate over the last minutes, time left): written with every chunk.
      return {
        itemsSynced,
        itemsSkipped,
        bytesSynced: stats.bytesSynced,
        progress: nextProgress(m.progress, totals),
        ...(lost ? { notCarried: mergeNotCarried(m.notCarried, notCarried) } : {}),
      };
    });
    return {
      ok: true,
      done: legacy ? index >= legacy.folders.length : result.done && queued <= 1,
      cursor: legacy ? { folders: legacy.folders, index } : cursor,
      itemsSynced: result.copied,
      itemsSkipped: result.skipped,
      bytesSynced: result.bytes,
      // Throttled for longer than a call should sleep: the orchestrator waits on a durable timer.
      ...(result.retryAfterMs ? { retryAfterMs: result.retryAfterMs } : {}),
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

/** What copyChunk needs of a queued folder (its row holds the rest). */
function planEntry(f: FolderState): FolderPlanEntry {
  return {
    source: f.source,
    target: f.target,
    selectable: true,
    messages: f.messages,
    uidValidity: f.uidValidity,
    uidNext: f.uidNext,
    highestModseq: f.modseq,
    upToDate: false,
  };
}

/** Everything the engine needs for one call (and reconciliation its logins); secrets are read now and dropped with the call. */
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
    options: { include: batch.options.includeFolders, exclude: batch.options.excludeFolders },
  };
}
