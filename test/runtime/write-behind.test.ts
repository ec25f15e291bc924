import { probe } from './fixture-app/probe';
import { EventType } from '../../local/durable/history';
import { WRITE_BEHIND_MS } from '../../local/durable/limits';
import { useFixtureHost } from '../../testing/jest/runtime';

/**
 * Episodes that only schedule activities are committed write-behind: quick steps share one
 * transaction, and a step that takes long is still on record within WRITE_BEHIND_MS.
 */
const host = useFixtureHost();

beforeEach(() => probe.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('forty quick steps are stored in a few commits, with every step in the history', async () => {
  const steps = 40;
  const id = await host().engine.startNew('fxSteps', { id: 'quick', steps });
  const record = await host().engine.waitForCompletion(id, 60000);
  expect(record.runtimeStatus).toBe('Completed');
  expect(JSON.parse(record.output ?? 'null')).toBe(steps);
  expect(probe.calls.size).toBe(steps);
  // One commit per episode would be 42 (start, 40 results, end).
  expect(record.book.episodes).toBeLessThan(steps / 4);
  const events = await host().engine.historyOf(record);
  expect(events.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(steps);
  expect(events.filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(steps);
}, 90000);

test('while a slow step runs, the history that led to it is already stored', async () => {
  const id = await host().engine.startNew('fxSteps', { id: 'slow', steps: 4, slowStep: 2, slowMs: 4000 });
  // The slow step starts at once; its scheduling is committed within WRITE_BEHIND_MS.
  await sleep(WRITE_BEHIND_MS + 1500);
  expect(probe.active).toBe(1);
  const stored = await host().engine.getRecord(id);
  expect(stored?.runtimeStatus).toBe('Running');
  const events = await host().engine.historyOf(stored!);
  expect(events.filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(2);
  expect(events.filter((e) => e.EventType === EventType.TaskScheduled)).toHaveLength(3);
  const record = await host().engine.waitForCompletion(id, 60000);
  expect(JSON.parse(record.output ?? 'null')).toBe(4);
}, 90000);
