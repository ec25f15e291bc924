import type { BlobClient } from '@azure/storage-blob';

/**
 * A CSV in the drop container can be taken by two readers: the blob trigger (any `*.csv`) and an
 * API call naming it as `csvBlob`. Each takes a lease on the blob before it ingests, and deletes the
 * blob (it may hold passwords) under that lease when done: whoever gets the lease ingests, the
 * other finds the blob leased or gone and leaves it alone, so one file never makes two batches.
 */
export const CLAIM_LEASE_SECONDS = 60;
const RENEW_EVERY_MS = 20_000;

export interface Claim {
  /** Deletes the blob (under the lease) and stops renewing; safe to call more than once. */
  finish(): Promise<void>;
}

export type ClaimOutcome = Claim | 'claimed-elsewhere' | 'gone';

export async function claimBlob(blob: BlobClient): Promise<ClaimOutcome> {
  const lease = blob.getBlobLeaseClient();
  try {
    await lease.acquireLease(CLAIM_LEASE_SECONDS);
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 409) return 'claimed-elsewhere';
    if (status === 404) return 'gone';
    throw e;
  }
  // A large CSV can take longer to ingest than one lease period.
  const renew = setInterval(() => void lease.renewLease().catch(() => undefined), RENEW_EVERY_MS);
  renew.unref();
  let finished: Promise<void> | undefined;
  return {
    finish: () =>
      (finished ??= (async () => {
        clearInterval(renew);
        await blob.deleteIfExists({ conditions: { leaseId: lease.leaseId } });
      })()),
  };
}
