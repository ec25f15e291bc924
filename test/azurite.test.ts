import { tableClient } from '../shared/storage/clients';
import { useAzurite } from '../testing/jest/azurite';

const storage = useAzurite();

test('the embedded Azurite stores and returns a table entity', async () => {
  const table = tableClient(storage(), 'smoke');
  await table.createTable();
  await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
  const entity = await table.getEntity<{ value: number }>('p', 'r');
  expect(entity.value).toBe(42);
});
