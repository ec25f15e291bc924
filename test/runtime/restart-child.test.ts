import { TableClient } from '@azure/data-tables';
import { probe } from './fixture-app/probe';
import { systemClock } from '../../local/clock';
import { DurableEngine } from '../../local/durable/engine';
import { EventType } from '../../local/durable/history';
import { newRecord } from '../../local/durable/saving';
import { InstanceStore } from '../../local/durable/store';
import { Invoker } from '../../local/invoker';
import { useFixtureHost } from '../../testing/jest/runtime';

/**
 * A parent's episodes are committed write-behind, also those that start sub-orchestrations, so a
 * child can be stored (with its parent's id and task id) while the parent's stored history does not
 * mention it yet. After a crash in that gap, the restarted parent schedules the child again under
 * the same id: it must take the child's result (or wait for the running child), never run it twice.
 * Each test writes that crash state into a fresh instance table and starts an engine on it.
 */
const host = useFixtureHost();
let engine: DurableEngine | undefined;

beforeEach(() => probe.reset());
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

async function crashedStore(table: string): Promise<InstanceStore> {
  const store = new InstanceStore(
    TableClient.fromConnectionString(host().storage.connectionString, table, {
      allowInsecureConnection: true,
    }),
  );
  await store.init();
  return store;
}

async function startEngine(store: InstanceStore): Promise<DurableEngine> {
  engine = new DurableEngine({
    store,
    registry: host().registry,
    invoker: new Invoker(),
    clock: systemClock,
    maxConcurrentActivities: 4,
    maxConcurrentOrchestrations: 4,
  });
  await engine.start();
  return engine;
}

/** A one-child fan-out stored as started, its history not yet saying that it created its child. */
async function storeParent(store: InstanceStore, parentId: string): Promise<void> {
  const input = JSON.stringify({ count: 1, window: 1 });
  const { record, started } = newRecord('fxFanOut', parentId, input, new Date());
  await store.commit(record, started, [], { create: true });
}

test('a child that finished before the crash gives its result to the restarted parent, without running again', async () => {
  const store = await crashedStore('restartDoneInstances');
  const parentId = 'parentdone';
  await storeParent(store, parentId);
  const childInput = JSON.stringify({ id: 'm0' });
  const child = newRecord('fxChild', `${parentId}:m0`, childInput, new Date(), {
    instanceId: parentId,
    taskId: 0,
  });
  child.record.runtimeStatus = 'Completed';
  child.record.output = JSON.stringify({ id: 'm0', done: true });
  await store.commit(child.record, child.started, [], { create: true });

  const restarted = await startEngine(store);
  const record = await restarted.waitForCompletion(parentId, 30000);
  expect(record.runtimeStatus).toBe('Completed');
  expect(JSON.parse(record.output ?? 'null')).toBe(1);
  // The child's work did not run again.
  expect(probe.calls.get('m0')).toBeUndefined();
}, 60000);

test('a child still running at the crash is adopted by the restarted parent: its work runs once', async () => {
  const store = await crashedStore('restartRunningInstances');
  const parentId = 'parentrunning';
  await storeParent(store, parentId);
  const childInput = JSON.stringify({ id: 'm0', ms: 300 });
  const child = newRecord('fxChild', `${parentId}:m0`, childInput, new Date(), {
    instanceId: parentId,
    taskId: 0,
  });
  child.record.runtimeStatus = 'Running';
  await store.commit(child.record, child.started, [], { create: true });

  const restarted = await startEngine(store);
  const record = await restarted.waitForCompletion(parentId, 30000);
  expect(record.runtimeStatus).toBe('Completed');
  expect(JSON.parse(record.output ?? 'null')).toBe(1);
  expect(probe.calls.get('m0')).toBe(1);
  const childRecord = await restarted.getRecord(`${parentId}:m0`);
  expect(childRecord?.runtimeStatus).toBe('Completed');
  // The parent's history holds the child's result once.
  const events = await restarted.historyOf(record);
  expect(events.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCompleted)).toHaveLength(1);
}, 60000);

test('a continue-as-new deletes the ended execution with its own commit: only the last execution is stored', async () => {
  const store = await crashedStore('continueInstances');
  const running = await startEngine(store);
  const id = await running.startNew('fxCounter', 0);
  const record = await running.waitForCompletion(id, 30000);
  expect(record.runtimeStatus).toBe('Completed');
  expect(probe.calls.size).toBe(3);
  const rows: string[] = [];
  const table = TableClient.fromConnectionString(host().storage.connectionString, 'continueInstances', {
    allowInsecureConnection: true,
  });
  for await (const row of table.listEntities({ queryOptions: { filter: `PartitionKey eq '${id}'` } }))
    rows.push(String(row.rowKey));
  // No history row of an ended execution is left (the current one's newest events are in its state row).
  const executions = rows.filter((k) => k.startsWith('h-')).map((k) => k.split('-')[1]);
  expect(executions.filter((e) => e !== record.executionId)).toEqual([]);
  const events = await running.historyOf(record);
  expect(events[0]?.EventType).toBe(EventType.ExecutionStarted);
  expect(events[0]?.Input).toBe('3');
}, 60000);
