import { BlobServiceClient } from '@azure/storage-blob';
import { PlanStore, type PlanStatus } from '../../shared/plan/plan-store';
import { useAzurite } from '../../testing/jest/azurite';

/**
 * A status file read while the run it describes rewrites it must come back whole: the dashboard
 * polls a plan's status.json while the plan's activities keep rewriting it with more pages. The
 * SDK's downloadToBuffer asks the size first and reads ranges after, so a rewrite in between came
 * back cut short ("Unterminated string in JSON") and the API answered 500.
 */
const storage = useAzurite();

function status(pages: number): PlanStatus {
  return {
    planId: 'p1',
    batchId: 'b1',
    instanceId: 'plan-b1',
    state: 'Running',
    startedAt: '2026-11-26T00:00:00.000Z',
    pages: Array.from({ length: pages }, () => 5),
    totalMailboxes: 5 * 400,
  };
}

test('a plan status read during rewrites that grow it is always one whole version', async () => {
  const store = new PlanStore(BlobServiceClient.fromConnectionString(storage().connectionString));
  await store.saveStatus(status(1));
  let writing = true;
  const writer = (async () => {
    for (let pages = 2; pages <= 400; pages++) await store.saveStatus(status(pages));
    writing = false;
  })();
  const seen: number[] = [];
  while (writing) {
    const read = await store.status('b1');
    seen.push(read?.pages.length ?? -1);
  }
  await writer;
  expect(seen.length).toBeGreaterThan(20);
  // Every read is one version the writer wrote, and versions only grow.
  expect(seen.every((n) => n >= 1 && n <= 400)).toBe(true);
  expect(seen).toEqual([...seen].sort((a, b) => a - b));
}, 60_000);
