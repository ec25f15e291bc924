import type { Services } from '../app/services';
import { isCodedError } from '../domain/errors';
import { ForwardingStore, type ForwardingRecord } from './forwarding-store';
import { restoreForwarding, type RestoreOutcome } from './forwarding';

/**
 * Removing a batch: with `restoreForwarding`, the recorded previous targetAddress values go back
 * first. A directory that cannot be reached must not leave the batch stuck in Removing, so the
 * removal goes on; the records of the values not put back stay in the cutoverForwarding table
 * (partition = batch id, with each user's DN and previous value) for the administrator. A batch
 * already gone (a retried removal) has nothing left to do.
 */
export async function restoreForwardingOnRemove(
  svc: Services,
  batchId: string,
): Promise<RestoreOutcome | undefined> {
  const batch = await svc.state.batches.find(batchId);
  if (!batch) return undefined;
  const store = new ForwardingStore(svc);
  if (!batch.options.restoreForwarding || !batch.options.directory) {
    await store.deleteBatch(batchId);
    return undefined;
  }
  let outcome: RestoreOutcome;
  try {
    outcome = await restoreForwarding(svc, batchId);
  } catch (e) {
    if (!isCodedError(e)) throw e; // a storage problem: the activity's retry tries again
    outcome = { restored: 0, skipped: [{ email: '*', code: e.code, message: e.message }] };
  }
  // Kept: values still to put back (the restore was asked for and did not happen).
  const stillToRestore = (r: ForwardingRecord) => r.previousKnown && r.state !== 'restored' && Boolean(r.dn);
  await store.deleteBatch(batchId, stillToRestore);
  return outcome;
}
