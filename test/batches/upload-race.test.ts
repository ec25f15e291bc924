import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { services, type Services } from '../../shared/app/services';
import { ingestBatch, type IngestResult } from '../../shared/batches/ingest';
import { removeBatchData } from '../../shared/batches/remove';
import { useAzurite } from '../../testing/jest/azurite';

/**
 * Two uploads naming the same address at the same moment: both used to read the active batches
 * before either had written its own, both found the address free, and the mailbox was copied by
 * two batches. Exactly one of them may get the address; the other is a Failed batch that names it.
 */
const storage = useAzurite();
let svc: Services;
beforeAll(() => {
  svc = services({
    AzureWebJobsStorage: storage().connectionString,
    MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-race-')),
  });
});

const csvOf = (...addresses: string[]) => Buffer.from(['EmailAddress', ...addresses].join('\r\n'));

function winnerAndLoser(results: IngestResult[]): { winner: IngestResult; loser: IngestResult } {
  const winners = results.filter((r) => r.problems.length === 0);
  const losers = results.filter((r) => r.problems.length > 0);
  expect({ winners: winners.length, losers: losers.length }).toEqual({ winners: 1, losers: 1 });
  return { winner: winners[0]!, loser: losers[0]! };
}

test('of two simultaneous uploads with one address in common, exactly one gets it', async () => {
  for (let round = 0; round < 6; round++) {
    const shared = `shared${round}@contoso.test`;
    // Enough rows that both uploads are mid-way through their ingest at the same time.
    const own = (who: string) => Array.from({ length: 150 }, (_, i) => `${who}${round}-${i}@contoso.test`);
    const results = await Promise.all([
      ingestBatch(svc, csvOf(...own('a'), shared), { name: `race-a-${round}` }),
      ingestBatch(svc, csvOf(shared, ...own('b')), { name: `race-b-${round}` }),
    ]);
    const { winner, loser } = winnerAndLoser(results);
    expect(winner.batch.status).toBe('Created');
    expect(winner.batch.totalMailboxes).toBe(151);
    expect(loser.batch.status).toBe('Failed');
    expect(loser.batch.totalMailboxes).toBe(0);
    expect(loser.problems).toEqual([
      expect.objectContaining({
        code: 'MAILBOX_IN_ACTIVE_BATCH',
        email: shared,
        otherBatch: expect.objectContaining({ id: winner.batch.id, name: winner.batch.name }) as unknown,
      }),
    ]);
    // The loser gave back the addresses it had claimed: a later upload of them passes.
    const loserOwn = loser.batch.name.startsWith('race-a') ? own('a') : own('b');
    const later = await ingestBatch(svc, csvOf(...loserOwn), { name: `later-${round}` });
    expect(later.problems).toEqual([]);
  }
}, 120000);

test('an address held by a settled or removed batch can be taken, by one of two racing uploads only', async () => {
  const first = await ingestBatch(svc, csvOf('kim@contoso.test'), { name: 'settled-first' });
  expect(first.problems).toEqual([]);
  await svc.state.batches.update(first.batch.id, () => ({ status: 'Failed' }));
  const results = await Promise.all([
    ingestBatch(svc, csvOf('kim@contoso.test'), { name: 'takeover-a' }),
    ingestBatch(svc, csvOf('kim@contoso.test'), { name: 'takeover-b' }),
  ]);
  const { winner } = winnerAndLoser(results);

  await svc.state.batches.update(winner.batch.id, () => ({ status: 'Removing' }));
  await removeBatchData(svc, winner.batch.id);
  const afterRemoval = await ingestBatch(svc, csvOf('kim@contoso.test'), { name: 'after-removal' });
  expect(afterRemoval.problems).toEqual([]);
}, 60000);
