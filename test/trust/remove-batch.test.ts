import { TableClient } from '@azure/data-tables';
import { batchGone, batchReaching, imapAs } from '../../testing/jest/app';
import { useMigrationApp } from '../../testing/jest/migration-app';

/**
 * Removing a batch removes its data: the copy engine's checkpoints, item index and skipped items
 * of its mailboxes, and its orchestrations' history; another batch's data stays.
 */
const KEY = 'remove-batch-key-0123456789';
const USERS = ['ann@example.com', 'ben@example.com'];
const app = useMigrationApp({
  apiKey: KEY,
  users: USERS,
  seed: async (source) => {
    for (const user of USERS) {
      const client = await imapAs(source, user);
      for (let i = 1; i <= 3; i++)
        await client.append(
          'INBOX',
          `From: a@example.org\r\nSubject: ${user} ${i}\r\nMessage-ID: <${i}.${user}>\r\n\r\nbody ${i}\r\n`,
        );
      // Over the target's limit: a skipped item.
      await client.append(
        'INBOX',
        `From: a@example.org\r\nSubject: big\r\nMessage-ID: <big.${user}>\r\n\r\n${'y'.repeat(1_100_000)}\r\n`,
      );
      await client.logout();
    }
  },
  endpoints: { targetSettings: { maxMessageSizeMB: 1 } },
});
const { api } = app;
const host = () => app.host();

async function rowsOf(table: string, batchId: string): Promise<number> {
  const client = TableClient.fromConnectionString(host().storage.connectionString, table, {
    allowInsecureConnection: true,
  });
  let n = 0;
  for await (const row of client.listEntities()) if (String(row.partitionKey).startsWith(`${batchId}:`)) n++;
  return n;
}
const instancesOf = async (batchId: string): Promise<string[]> =>
  (await host().engine.list()).map((r) => r.instanceId).filter((id) => id.startsWith(`batch-${batchId}:`));

async function migrate(name: string, email: string): Promise<string> {
  const created = await api('POST', `batches?name=${name}&autoStart=true`, `EmailAddress\r\n${email}\r\n`);
  expect(created.status).toBe(201);
  const batch = await batchReaching(api, created.json.batch.id, ['Synced', 'SyncedWithErrors', 'Failed']);
  expect(batch.status).toBe('Synced');
  return batch.id;
}

test('the copy tables, skipped items and orchestration history of a removed batch go; another batch keeps its own', async () => {
  const removed = await migrate('to-remove', 'ann@example.com');
  const kept = await migrate('to-keep', 'ben@example.com');
  for (const id of [removed, kept]) {
    expect(await rowsOf('mailfolders', id)).toBeGreaterThan(0);
    expect(await rowsOf('mailitems', id)).toBeGreaterThan(0);
    expect(await rowsOf('mailskipped', id)).toBe(1);
    expect((await instancesOf(id)).length).toBeGreaterThan(0);
  }
  await host().engine.waitForCompletion(`batch-${removed}`, 30_000);

  expect((await api('DELETE', `batches/${removed}`)).status).toBe(202);
  expect(await batchGone(api, removed, 30_000)).toBe(true);

  expect(await rowsOf('mailfolders', removed)).toBe(0);
  expect(await rowsOf('mailitems', removed)).toBe(0);
  expect(await rowsOf('mailskipped', removed)).toBe(0);
  expect(await instancesOf(removed)).toEqual([]);
  // What is left of the batch in the durable store is the removal's own record, holding its id only.
  const leftover = await host().engine.getRecord(`batch-${removed}`);
  expect(leftover?.input).toBe(JSON.stringify(removed));

  expect(await rowsOf('mailitems', kept)).toBeGreaterThan(0);
  expect(await rowsOf('mailskipped', kept)).toBe(1);
  expect((await instancesOf(kept)).length).toBeGreaterThan(0);
}, 120_000);
