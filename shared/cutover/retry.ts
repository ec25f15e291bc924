import type { Services } from '../app/services';
import { setForwarding, type ForwardingOutcome } from './forwarding';
import { ForwardingStore } from './forwarding-store';
import { CUTOVER_LIMITS } from './limits';

/**
 * Retries forwarding for the mailboxes where it did not get set (a warning, or a write whose
 * outcome was lost): those reached provisioning, so their target is ready. Bounded per call.
 */
export async function retryForwarding(
  svc: Services,
  batchId: string,
): Promise<{ retried: number; outcomes: Array<{ email: string } & ForwardingOutcome> }> {
  await svc.state.batches.get(batchId); // BATCH_NOT_FOUND rather than "nothing to retry"
  const pending = (await new ForwardingStore(svc).list(batchId))
    .filter((r) => r.state === 'warning' || r.state === 'pending')
    .slice(0, CUTOVER_LIMITS.maxForwardingRetries);
  const outcomes: Array<{ email: string } & ForwardingOutcome> = [];
  for (const r of pending) outcomes.push({ email: r.email, ...(await setForwarding(svc, batchId, r.email)) });
  return { retried: outcomes.length, outcomes };
}
