import type { Services } from '../app/services';
import { ForwardingStore } from './forwarding-store';
import { restoreForwarding, type RestoreOutcome } from './forwarding';

/**
 * Removing a batch: with `restoreForwarding`, the recorded previous targetAddress values go back
 * first (a value someone changed since is left alone and listed in the outcome); then the
 * forwarding records go. A batch already gone (a retried removal) has nothing left to do.
 */
export async function restoreForwardingOnRemove(
  svc: Services,
  batchId: string,
): Promise<RestoreOutcome | undefined> {
  const batch = await svc.state.batches.find(batchId);
  if (!batch) return undefined;
  const outcome =
    batch.options.restoreForwarding && batch.options.directory
      ? await restoreForwarding(svc, batchId)
      : undefined;
  await new ForwardingStore(svc).deleteBatch(batchId);
  return outcome;
}
