import type { Services } from '../app/services';
import { isCodedError } from '../domain/errors';
import { withDirectory, directoryFor, type DirectoryClient } from '../directory';
import type { Batch } from '../state';
import { ForwardingStore, type ForwardingRecord } from './forwarding-store';
import { routingAddressFor } from './routing';

/**
 * Forwarding at provisioning: once a mailbox's target is ready, the source user's `targetAddress`
 * becomes `SMTP:<routing address>`, so mail that still reaches the old system is relayed to the new
 * mailbox. Only that attribute changes. The previous value is recorded before the first write and
 * kept; a rerun finds the value set and writes nothing. Anything that stops it (user not found,
 * two users, write refused, directory down) is a coded warning on the mailbox's forwarding record:
 * the mailbox itself carries on.
 */
export type ForwardingOutcome =
  | { state: 'set'; targetAddress: string; changed: boolean }
  | { state: 'off' }
  | { state: 'warning'; warning: { code: string; message: string } };

/** The value Exchange writes: `SMTP:` (upper case) marks the primary SMTP address. */
export const targetAddressValue = (routing: string): string => `SMTP:${routing}`;

const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

export function forwardingEnabled(batch: Batch): boolean {
  return Boolean(batch.options.directory) && batch.options.setForwarding !== false;
}

export async function setForwarding(
  svc: Services,
  batchId: string,
  email: string,
): Promise<ForwardingOutcome> {
  const batch = await svc.state.batches.get(batchId);
  if (!forwardingEnabled(batch)) return { state: 'off' };
  const store = new ForwardingStore(svc);
  const before = await store.get(batchId, email);
  if (before?.state === 'restored') return { state: 'off' };
  try {
    const { settings, password } = await directoryFor(svc, batch.options.directory!);
    return await withDirectory(settings, password, async (directory) => {
      const user = await directory.findUser(email);
      const wanted = targetAddressValue(await routingAddressFor(svc, batch, email, user));
      return applyForwarding(directory, store, before, { batchId, email, dn: user.dn }, wanted);
    });
  } catch (e) {
    // Whatever stopped it, the mailbox carries on: forwarding is a warning to act on, not a failure.
    const warning = isCodedError(e)
      ? { code: e.code, message: e.message }
      : {
          code: 'FORWARDING_FAILED',
          message: `targetAddress of ${email} was not set: ${e instanceof Error ? e.message : String(e)}. Retry forwarding (POST /api/batches/{id}/forwarding, or Retry forwarding on the batch page).`,
        };
    await store.put({
      ...(before ?? { previousKnown: false }),
      batchId,
      email,
      state: 'warning',
      ...warning,
    });
    return { state: 'warning', warning };
  }
}

/** Reads the entry, records the previous value once, then swaps it for `wanted` (atomic, conditional). */
async function applyForwarding(
  directory: DirectoryClient,
  store: ForwardingStore,
  before: ForwardingRecord | undefined,
  at: { batchId: string; email: string; dn: string },
  wanted: string,
): Promise<ForwardingOutcome> {
  const current = (await directory.read(at.dn))?.targetAddress;
  // The previous value is the one found before mailferry's first write; a rerun keeps it.
  const keep = before?.previousKnown
    ? { previous: before.previous, previousKnown: true }
    : { previous: same(current, wanted) ? undefined : current, previousKnown: !same(current, wanted) };
  const record = { batchId: at.batchId, email: at.email, dn: at.dn, wanted, ...keep };
  if (same(current, wanted)) {
    await store.put({ ...record, state: 'set' });
    return { state: 'set', targetAddress: wanted, changed: false };
  }
  await store.put({ ...record, state: 'pending' });
  await directory.swap(at.dn, 'targetAddress', current, wanted);
  await store.put({ ...record, state: 'set' });
  return { state: 'set', targetAddress: wanted, changed: true };
}

export interface RestoreOutcome {
  restored: number;
  /** Left as they are: someone changed targetAddress after mailferry set it, or the write failed. */
  skipped: Array<{ email: string; code: string; message: string }>;
}

/**
 * Puts back the recorded previous targetAddress of every mailbox whose value is still the one
 * mailferry wrote. A value changed since by someone else is left alone and reported.
 */
export async function restoreForwarding(svc: Services, batchId: string): Promise<RestoreOutcome> {
  const batch = await svc.state.batches.get(batchId);
  const store = new ForwardingStore(svc);
  const records = (await store.list(batchId)).filter(
    (r) => r.dn && r.previousKnown && (r.state === 'set' || r.state === 'pending' || r.state === 'warning'),
  );
  const outcome: RestoreOutcome = { restored: 0, skipped: [] };
  if (records.length === 0 || !batch.options.directory) return outcome;
  const { settings, password } = await directoryFor(svc, batch.options.directory);
  await withDirectory(settings, password, async (directory) => {
    for (const r of records) {
      const current = (await directory.read(r.dn!))?.targetAddress;
      try {
        if (same(current, r.previous) || (current === undefined && r.previous === undefined)) {
          // already back (a retried restore)
        } else if (same(current, r.wanted)) {
          await directory.swap(r.dn!, 'targetAddress', current, r.previous);
        } else {
          outcome.skipped.push({
            email: r.email,
            code: 'FORWARDING_CHANGED_SINCE',
            message: `targetAddress of ${r.dn} is now ${current ?? '(none)'}, not the value mailferry set; it was left as it is.`,
          });
          continue;
        }
        await store.put({ ...r, state: 'restored' });
        outcome.restored++;
      } catch (e) {
        if (!isCodedError(e)) throw e;
        outcome.skipped.push({ email: r.email, code: e.code, message: e.message });
      }
    }
  });
  return outcome;
}

/** Forwarding set n of m, and the warnings, for the batch page and the completion report. */
export async function forwardingSummary(
  svc: Services,
  batch: Batch,
  mailboxes: number,
): Promise<{
  enabled: boolean;
  set: number;
  of: number;
  warnings: Array<{ email: string; code: string; message: string }>;
}> {
  if (!forwardingEnabled(batch)) return { enabled: false, set: 0, of: mailboxes, warnings: [] };
  const records = await new ForwardingStore(svc).list(batch.id);
  return {
    enabled: true,
    set: records.filter((r) => r.state === 'set').length,
    of: mailboxes,
    warnings: records
      .filter((r) => r.state === 'warning')
      .map((r) => ({ email: r.email, code: r.code ?? 'FORWARDING_FAILED', message: r.message ?? '' })),
  };
}
