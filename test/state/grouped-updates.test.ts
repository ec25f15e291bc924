import { TableClient } from '@azure/data-tables';
import { GroupedUpdates } from '../../shared/state/grouped-updates';
import { useAzurite } from '../../testing/jest/azurite';

/**
 * Conditional updates to one partition that arrive together are written together, and each still
 * gets its own answer: a stale ETag is refused with 412 without costing the others their write.
 */
const storage = useAzurite();

async function rows(table: TableClient, keys: string[]): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  for (const rowKey of keys) {
    const created = await table.createEntity({ partitionKey: 'p', rowKey, value: 0 });
    etags.set(rowKey, String(created.etag));
  }
  return etags;
}

test('updates that arrive together share one transaction, and each gets its new ETag', async () => {
  const table = TableClient.fromConnectionString(storage().connectionString, 'groupedA', {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const keys = ['a', 'b', 'c', 'd', 'e'];
  const etags = await rows(table, keys);
  const transactions = jest.spyOn(table, 'submitTransaction');
  const grouped = new GroupedUpdates();
  const answers = await Promise.all(
    keys.map((rowKey) =>
      grouped.update(table, { partitionKey: 'p', rowKey, value: 1 }, etags.get(rowKey) as string),
    ),
  );
  // The first went alone (nothing was in flight); the four that waited for it went as one.
  expect(transactions).toHaveBeenCalledTimes(1);
  for (const [i, rowKey] of keys.entries()) {
    const stored = await table.getEntity<{ value: number }>('p', rowKey);
    expect(stored.value).toBe(1);
    expect(answers[i]).toBe(stored.etag);
  }
});

test('a stale ETag in a group is refused with 412 and the others are written all the same', async () => {
  const table = TableClient.fromConnectionString(storage().connectionString, 'groupedB', {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const keys = ['a', 'b', 'c', 'd'];
  const etags = await rows(table, keys);
  // Someone else changed row c since its ETag was read.
  await table.updateEntity({ partitionKey: 'p', rowKey: 'c', value: 7 }, 'Replace');
  const grouped = new GroupedUpdates();
  const results = await Promise.allSettled(
    keys.map((rowKey) =>
      grouped.update(table, { partitionKey: 'p', rowKey, value: 1 }, etags.get(rowKey) as string),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ statusCode: 412 });
  const values = await Promise.all(
    keys.map(async (rowKey) => (await table.getEntity<{ value: number }>('p', rowKey)).value),
  );
  expect(values).toEqual([1, 1, 7, 1]);
});
