import { TableClient } from '@azure/data-tables';
import { history } from '../../local/durable/history';
import { INLINE_HISTORY_CHARS } from '../../local/durable/limits';
import { newRecord } from '../../local/durable/saving';
import { InstanceStore } from '../../local/durable/store';
import { useFixtureHost } from '../../testing/jest/runtime';

/**
 * An instance's newest history events are kept in its state row and move into history rows when
 * they outgrow INLINE_HISTORY_CHARS: whatever the split, the stored history reads back whole and
 * in order, and no row grows past the limit.
 */
const host = useFixtureHost();

function table(name: string): TableClient {
  return TableClient.fromConnectionString(host().storage.connectionString, name, {
    allowInsecureConnection: true,
  });
}

test('sixty episodes of 2,000 characters read back whole and in order, spread over bounded rows', async () => {
  const store = new InstanceStore(table('tailInstances'));
  await store.init();
  const { record, started } = newRecord('fxCounter', 'tailed', '0', new Date());
  await store.commit(record, started, [], { create: true });
  const episodes = 60;
  for (let n = 0; n < episodes; n++) {
    // The last one is short, so whatever the split before it, something is in the state row.
    const input = JSON.stringify(`${n}:${'x'.repeat(n === episodes - 1 ? 10 : 2000)}`);
    await store.commit(record, [history.taskScheduled(new Date(), n, 'fxWork', input)]);
  }
  const events = await store.history('tailed', record.executionId);
  expect(events).toHaveLength(episodes + 1);
  expect(events.slice(1).map((e) => Number(JSON.parse(e.Input ?? '""').split(':')[0]))).toEqual(
    Array.from({ length: episodes }, (_, n) => n),
  );
  expect(events[1]?.Timestamp).toBeInstanceOf(Date);
  // Some went into history rows, the newest are in the state row, and each stays bounded.
  const lengths: number[] = [];
  let historyRows = 0;
  for await (const row of table('tailInstances').listEntities<Record<string, unknown>>({
    queryOptions: { filter: `PartitionKey eq 'tailed'` },
  })) {
    if (String(row.rowKey).startsWith('h-')) historyRows++;
    if (row.rowKey === '~state') lengths.push(String(row.h0 ?? '').length);
  }
  expect(historyRows).toBeGreaterThanOrEqual(3);
  expect(lengths[0]).toBeGreaterThan(0);
  expect(lengths[0]).toBeLessThanOrEqual(INLINE_HISTORY_CHARS);
  // A record read back goes on appending to the same history.
  const again = await store.get('tailed');
  await store.commit(again!, [history.taskScheduled(new Date(), episodes, 'fxWork', '"last"')]);
  const after = await store.history('tailed', record.executionId);
  expect(after).toHaveLength(episodes + 2);
  expect(after[after.length - 1]?.Input).toBe('"last"');
}, 60000);
