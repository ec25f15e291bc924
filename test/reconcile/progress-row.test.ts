import { tableClient } from '../../shared/storage/clients';
import { createStateStore } from '../../shared/state';
import { mailboxPartitionOf } from '../../shared/state/keys';
import { nextProgress } from '../../shared/state/mailbox-progress';
import { useAzurite } from '../../testing/jest/azurite';

/** Live progress is kept on the mailbox row (Azurite), and a garbled value never makes the row unreadable. */
const storage = useAzurite();

test('progress is stored with the mailbox and read back; a garbled one is dropped, the row still reads', async () => {
  const store = createStateStore(storage());
  const batch = await store.batches.create({ name: 'progress-row', sourceEndpoint: 'a', target: 'b' });
  await store.mailboxes.addMany(batch.id, [{ email: 'fay@contoso.com' }]);
  const progress = nextProgress(undefined, {
    folder: 'Projects/2024',
    finished: false,
    sourceItems: 10,
    itemsSynced: 4,
    itemsSkipped: 1,
    itemsFailed: 0,
    bytesSynced: 4000,
    itemsPerSecond: 2,
    bytesPerSecond: 2000,
  });
  await store.mailboxes.update(batch.id, 'fay@contoso.com', () => ({ itemsSynced: 4, progress }));
  expect((await store.mailboxes.get(batch.id, 'fay@contoso.com')).progress).toEqual(progress);

  await tableClient(storage(), 'mailboxes').updateEntity(
    {
      partitionKey: mailboxPartitionOf(batch.id, 'fay@contoso.com'),
      rowKey: 'fay@contoso.com',
      progress: '{"x":',
    },
    'Merge',
  );
  const read = await store.mailboxes.get(batch.id, 'fay@contoso.com');
  expect(read.progress).toBeUndefined();
  expect(read.itemsSynced).toBe(4);
});
