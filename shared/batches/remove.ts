import type { Services } from '../app/services';
import { batchSecretPrefix } from '../secrets/refs';
import { BATCH_FILES_CONTAINER } from './containers';
import { REPORTS_CONTAINER } from '../report';
import { restoreForwardingOnRemove } from '../cutover/remove';

/**
 * Deletes what a batch left behind: secrets first (they matter most), then its files and reports,
 * then its state (mailbox rows and counts before the batch row, so a retry can always find it).
 * Every step is idempotent, so a retried call finishes the job.
 */
export async function removeBatchData(svc: Services, batchId: string): Promise<void> {
  // First, while the batch row still says where the directory is: put forwarding back if asked.
  await restoreForwardingOnRemove(svc, batchId);
  await svc.secrets.deletePrefix(batchSecretPrefix(batchId));
  for (const container of [BATCH_FILES_CONTAINER, REPORTS_CONTAINER]) {
    const client = svc.blobs.getContainerClient(container);
    if (!(await client.exists())) continue;
    for await (const blob of client.listBlobsFlat({ prefix: `${batchId}/` }))
      await client.deleteBlob(blob.name);
  }
  await svc.state.deleteBatch(batchId);
}
