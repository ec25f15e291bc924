import type { Services } from '../app/services';
import { copyChunk, parseEndpoint, planMailbox, type FolderPlanEntry, type MailContext } from '../mail';
import type { ChunkInput, ChunkOutcome, StepResult } from '../workflow/names';
import { endpointFor, failFrom, passwordFor } from './connectors';
import { microsoft365Target } from './microsoft365';
import { imapOAuthLogin, microsoft365ImapTarget, microsoft365SettingsOf } from './microsoft365-endpoint';
import { countNotCarried, mergeNotCarried } from './fidelity';
import { mailboxKey } from './skipped';

/**
 * One bounded copy step for a mailbox, driven by migrateMailbox until it reports `done`:
 * the first call plans the folders (and creates them on the target); each later call copies one
 * chunk of one folder. The engine checkpoints in Table Storage, so a retried call neither
 * duplicates nor loses a message; the cursor only says which folder comes next.
 */
interface Cursor {
  folders: FolderPlanEntry[];
  index: number;
}

export async function copyMailboxChunk(svc: Services, input: ChunkInput): Promise<StepResult<ChunkOutcome>> {
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
        cursor: { folders, index: 0 },
        itemsSynced: 0,
        itemsSkipped: 0,
        bytesSynced: 0,
      };
    }
    const folder = cursor.folders[cursor.index];
    if (!folder) return { ok: true, done: true, itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 };
    const result = await copyChunk(ctx, folder);
    if (result.error) return { ok: false, error: { code: result.error.code, message: result.error.message } };
    const index = result.done ? cursor.index + 1 : cursor.index;
    if (result.copied || result.skipped || result.bytes || Object.keys(notCarried).length) {
      // Progress shows while a mailbox copies. A retried chunk finds its messages already copied
      // (the engine reuses them and reports copied 0), so nothing is counted twice.
      await svc.state.mailboxes.update(input.batchId, input.email, (m) => ({
        itemsSynced: m.itemsSynced + result.copied,
        itemsSkipped: m.itemsSkipped + result.skipped,
        bytesSynced: m.bytesSynced + result.bytes,
        ...(Object.keys(notCarried).length ? { notCarried: mergeNotCarried(m.notCarried, notCarried) } : {}),
      }));
    }
    return {
      ok: true,
      done: index >= cursor.folders.length,
      cursor: { folders: cursor.folders, index },
      itemsSynced: result.copied,
      itemsSkipped: result.skipped,
      bytesSynced: result.bytes,
      // Throttled for longer than a call should sleep: the orchestrator waits on a durable timer.
      ...(result.retryAfterMs ? { retryAfterMs: result.retryAfterMs } : {}),
    };
  } catch (e) {
    return failFrom(e, 'COPY_FAILED');
  }
}

/** Everything the engine needs for one call; secrets are read now and dropped with the call. */
async function mailContext(
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
