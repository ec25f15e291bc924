import type { DurableClient } from 'durable-functions';
import type { Services } from '../app/services';
import { mailboxKey } from '../migration/skipped';
import { batchSecretPrefix } from '../secrets/refs';
import { batchInstanceId } from '../workflow/names';
import { BATCH_FILES_CONTAINER } from './containers';
import { REPORTS_CONTAINER } from '../report';
import { removeCopyState } from './remove-copy-state';
import { PLANS_CONTAINER } from '../plan/plan-store';
import { releaseAddresses } from './address-claims';
import { restoreForwardingOnRemove } from '../cutover/remove';

/**
 * Deletes what a batch left behind: secrets first (they matter most), then the copy engine's rows
 * of each mailbox (checkpoints, item index, skipped items) and its address claims, its files and reports, the history of
 * its orchestrations, then its state (mailbox rows and counts before the batch row, so a retry can
 * always find it). Every step is idempotent, so a retried call finishes the job.
 */
export async function removeBatchData(
  svc: Services,
  batchId: string,
  durable?: DurableClient,
): Promise<void> {
  // First, while the batch row still says where the directory is: put forwarding back if asked.
  await restoreForwardingOnRemove(svc, batchId);
  await svc.secrets.deletePrefix(batchSecretPrefix(batchId));
  let continuationToken: string | undefined;
  do {
    const page = await svc.state.mailboxes.list(batchId, { continuationToken });
    for (const mailbox of page.items) await removeCopyState(svc.storage, mailboxKey(batchId, mailbox.email));
    await releaseAddresses(
      svc,
      batchId,
      page.items.map((m) => m.email),
    );
    continuationToken = page.continuationToken;
  } while (continuationToken);
  for (const container of [BATCH_FILES_CONTAINER, REPORTS_CONTAINER, PLANS_CONTAINER]) {
    const client = svc.blobs.getContainerClient(container);
    if (!(await client.exists())) continue;
    for await (const blob of client.listBlobsFlat({ prefix: `${batchId}/` }))
      await client.deleteBlob(blob.name);
  }
  if (durable) {
    const batch = await svc.state.batches.find(batchId);
    await purgeBatchHistory(durable, batchId, batch ? new Date(batch.createdAt) : undefined);
  }
  await svc.state.deleteBatch(batchId);
}

const FINISHED = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/**
 * Purges the finished orchestrations of a batch: its runs' sub-orchestrations (`batch-<id>:...`,
 * with the mailbox addresses in their inputs). The batch's own instance id is the removal running
 * now; the record it leaves holds the batch id only.
 */
async function purgeBatchHistory(
  durable: DurableClient,
  batchId: string,
  createdAfter: Date | undefined,
): Promise<void> {
  const own = batchInstanceId(batchId);
  // Its runs started after the batch was created: older instances need not be listed.
  const listed = await durable.getStatusBy(createdAfter ? { createdTimeFrom: createdAfter } : {});
  for (const status of listed) {
    if (!status.instanceId.startsWith(`${own}:`) || !FINISHED.has(String(status.runtimeStatus))) continue;
    await durable.purgeInstanceHistory(status.instanceId).catch((e: unknown) => {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    });
  }
}
