import type { BlobServiceClient } from '@azure/storage-blob';
import type { BatchPlanPage } from './batch-plan';
import { readWholeBlob } from '../storage/read-blob';

/**
 * Where a batch's dry run is kept while it runs and after: blob container `plans`, one folder per
 * batch (`<batchId>/`, as the batch's other files, so removing the batch removes them) holding
 * `status.json` and one `page-NNNNN.json` per planned page of mailboxes. A new plan replaces the last one. Each page is written whole under its own number, so a retried activity
 * overwrites its page instead of adding to the counts.
 */
export const PLANS_CONTAINER = 'plans';

export type PlanState = 'Running' | 'Completed' | 'Failed';

export interface PlanStatus {
  planId: string;
  batchId: string;
  /** The durable instance that runs the plan. */
  instanceId: string;
  state: PlanState;
  startedAt: string;
  completedAt?: string;
  /** Mailboxes planned per page written so far (index 0 = page 1). */
  pages: number[];
  /** Mailboxes of the batch when the plan started. */
  totalMailboxes: number;
  bytesPerMinute?: number;
  error?: { code: string; message: string };
}

const statusName = (batchId: string): string => `${batchId}/status.json`;
const pageName = (batchId: string, page: number): string =>
  `${batchId}/page-${String(page).padStart(5, '0')}.json`;

export class PlanStore {
  constructor(private readonly blobs: BlobServiceClient) {}

  private container() {
    return this.blobs.getContainerClient(PLANS_CONTAINER);
  }

  private async write(name: string, value: unknown): Promise<void> {
    const container = this.container();
    await container.createIfNotExists();
    const text = JSON.stringify(value);
    await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }

  private async read<T>(name: string): Promise<T | undefined> {
    try {
      const buf = await readWholeBlob(this.container().getBlobClient(name));
      return JSON.parse(buf.toString('utf8')) as T;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  status(batchId: string): Promise<PlanStatus | undefined> {
    return this.read<PlanStatus>(statusName(batchId));
  }

  saveStatus(status: PlanStatus): Promise<void> {
    return this.write(statusName(status.batchId), status);
  }

  /** Page `page` (1-based) of the plan `planId`; undefined when it is not written (or from another plan). */
  async page(batchId: string, planId: string, page: number): Promise<BatchPlanPage | undefined> {
    const stored = await this.read<BatchPlanPage & { planId: string }>(pageName(batchId, page));
    return stored?.planId === planId ? stored : undefined;
  }

  savePage(planId: string, page: number, value: BatchPlanPage): Promise<void> {
    return this.write(pageName(value.batchId, page), { ...value, planId });
  }

  /** Removes every file of a batch's plan (a new plan starts, or the batch goes). */
  async clear(batchId: string): Promise<void> {
    const container = this.container();
    if (!(await container.exists())) return;
    for await (const b of container.listBlobsFlat({ prefix: `${batchId}/` }))
      await container.deleteBlob(b.name, { deleteSnapshots: 'include' }).catch(() => undefined);
  }
}
