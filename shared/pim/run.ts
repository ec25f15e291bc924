import type { Services } from '../app/services';
import { CodedError } from '../domain/errors';
import { findTargetUser } from '../graph';
import { endpointFor, failFrom } from '../migration/connectors';
import { graphFor } from '../migration/microsoft365';
import { mailboxKey } from '../migration/skipped';
import { parseSecretRef } from '../secrets/refs';
import type { Endpoint, Mailbox } from '../state';
import type { StepResult } from '../workflow/names';
import { copyPimChunk, type PimCursor } from './copy';
import { GraphPimWriter } from './graph/writer';
import { openPimSource, pimSourceKind } from './sources';

/**
 * The contacts-and-calendars step of migrateMailbox, as the activity runs it: resolves the batch's
 * endpoints and secrets for one call, says plainly when there is nothing to migrate (no PIM source
 * configured, or an IMAP target that has no contacts or calendars), and records the counts on the
 * mailbox row as they happen.
 */
export interface PimChunkInput {
  batchId: string;
  email: string;
  /** Identifies this pass (the orchestrator's time when the step began). */
  pass: string;
  cursor?: { pim: PimCursor; userId: string };
}

export interface PimChunkOutcome {
  done: boolean;
  cursor?: { pim: PimCursor; userId: string };
  events: number;
  contacts: number;
  skipped: number;
  /** Set when contacts and calendars are not migrated at all, and why. */
  note?: string;
}

export const NOT_MIGRATED = {
  imapTarget: 'not migrated: the target is IMAP, which has no contacts or calendars',
  noSource: 'not migrated: the source endpoint has no dav or ews settings',
} as const;

/**
 * The PIM login's password: the block's own `password` reference, else (an admin impersonating
 * every mailbox over EWS) the endpoint's admin password, else the mailbox's CSV password, else the
 * endpoint's.
 */
async function pimPassword(
  svc: Services,
  endpoint: Endpoint,
  mailbox: Mailbox,
  block: Record<string, unknown> | undefined,
): Promise<string | undefined> {
  const ref = block?.password;
  if (typeof ref === 'string' && ref) return svc.secrets.get(parseSecretRef(ref));
  const own = block?.impersonation !== true && mailbox.userName && mailbox.passwordRef;
  const fallback = own ? mailbox.passwordRef : endpoint.secretRef;
  return fallback ? svc.secrets.get(parseSecretRef(fallback)) : undefined;
}

export async function copyPimChunkStep(
  svc: Services,
  input: PimChunkInput,
): Promise<StepResult<PimChunkOutcome>> {
  try {
    const batch = await svc.state.batches.get(input.batchId);
    const mailbox = await svc.state.mailboxes.get(input.batchId, input.email);
    const source = await endpointFor(svc, batch.sourceEndpoint, 'source');
    const target = await endpointFor(svc, batch.target, 'target');
    const kind = pimSourceKind(source.settings);
    const note =
      target.type !== 'graph' ? NOT_MIGRATED.imapTarget : !kind ? NOT_MIGRATED.noSource : undefined;
    if (note) {
      await svc.state.mailboxes.update(input.batchId, input.email, (m) =>
        m.pimNote === note ? undefined : { pimNote: note },
      );
      return { ok: true, done: true, events: 0, contacts: 0, skipped: 0, note };
    }
    const client = graphFor(svc);
    const userId = input.cursor?.userId ?? (await findTargetUser(client, mailbox.email)).id;
    const key = mailboxKey(input.batchId, mailbox.email);
    const block = (source.settings as Record<string, Record<string, unknown> | undefined>)[kind!];
    const password = await pimPassword(svc, source, mailbox, block);
    const result = await copyPimChunk(
      {
        mailboxKey: key,
        storage: svc.storage,
        mirrorDeletions: batch.options.mirrorDeletions,
        openSource: () =>
          openPimSource(source.settings, { email: mailbox.email, userName: mailbox.userName, password }),
        openWriter: async () => new GraphPimWriter(client, userId, key),
      },
      input.cursor?.pim,
      input.pass,
    );
    if (result.events || result.contacts || result.skipped) {
      await svc.state.mailboxes.update(input.batchId, input.email, (m) => ({
        itemsSynced: m.itemsSynced + result.events + result.contacts,
        itemsSkipped: m.itemsSkipped + result.skipped,
        eventsSynced: (m.eventsSynced ?? 0) + result.events,
        contactsSynced: (m.contactsSynced ?? 0) + result.contacts,
        pimSkipped: (m.pimSkipped ?? 0) + result.skipped,
        pimNote: undefined,
      }));
    }
    return {
      ok: true,
      done: result.done,
      cursor: { pim: result.cursor, userId },
      events: result.events,
      contacts: result.contacts,
      skipped: result.skipped,
    };
  } catch (e) {
    if (e instanceof CodedError) return { ok: false, error: { code: e.code, message: e.message } };
    return failFrom(e, 'PIM_COPY_FAILED');
  }
}
