import { MAILBOX_STATUSES } from '../../shared/domain/statuses';
import { createStateStore } from '../../shared/state';
import { mailboxRowKey, mailboxShard } from '../../shared/state/keys';
import { useAzurite } from '../../testing/jest/azurite';

const storage = useAzurite();

test('two concurrent updaters of one batch both land: the loser of the ETag race re-reads and re-applies', async () => {
  let retries = 0;
  const store = createStateStore(storage(), { onConflictRetry: () => retries++ });
  const b = await store.batches.create({ name: 'race', sourceEndpoint: 'legacy', target: 'm365' });

  // Both updaters read the same ETag before either writes: a barrier in the change function.
  let arrived = 0;
  let release!: () => void;
  const bothRead = new Promise<void>((r) => (release = r));
  const barrier = async () => {
    if (++arrived === 2) release();
    await bothRead;
  };
  await Promise.all([
    store.batches.update(b.id, async (cur) => {
      await barrier();
      return {
        options: { ...cur.options, notificationEmails: [...cur.options.notificationEmails, 'a@contoso.com'] },
      };
    }),
    store.batches.update(b.id, async (cur) => {
      await barrier();
      return { options: { ...cur.options, maxConcurrentMigrations: 7 } };
    }),
  ]);

  const after = await store.batches.get(b.id);
  expect(after.options.notificationEmails).toEqual(['a@contoso.com']);
  expect(after.options.maxConcurrentMigrations).toBe(7);
  expect(retries).toBe(1);
});

test('20 concurrent mailbox status updates leave the batch counts exact', async () => {
  let retries = 0;
  const store = createStateStore(storage(), { onConflictRetry: () => retries++ });
  const b = await store.batches.create({ name: 'twenty', sourceEndpoint: 'legacy', target: 'm365' });
  // Twenty addresses in the same partition: the worst case, every updater on one counts row.
  const emails: string[] = [];
  for (let i = 0; emails.length < 20; i++) {
    if (mailboxShard(mailboxRowKey(`user${i}@contoso.com`)) === 0) emails.push(`user${i}@contoso.com`);
  }
  await store.mailboxes.addMany(
    b.id,
    emails.map((email) => ({ email, status: 'Queued' as const })),
  );

  // Each mailbox moves Queued -> Syncing -> Synced|Failed, all twenty at once.
  await Promise.all(
    emails.map(async (email, i) => {
      await store.mailboxes.setStatus(b.id, email, 'Syncing');
      await store.mailboxes.setStatus(b.id, email, i % 4 === 0 ? 'Failed' : 'Synced', { itemsSynced: i });
    }),
  );

  const batch = await store.batches.get(b.id);
  expect(batch.totalMailboxes).toBe(20);
  expect(batch.counts).toMatchObject({ Queued: 0, Syncing: 0, Synced: 15, Failed: 5 });
  // The counts agree with a tally of the rows themselves.
  const tally = Object.fromEntries(MAILBOX_STATUSES.map((s) => [s, 0]));
  for await (const m of store.mailboxes.all(b.id)) tally[m.status] = (tally[m.status] ?? 0) + 1;
  expect(batch.counts).toEqual(tally);
  expect(retries).toBeGreaterThan(0);
});
