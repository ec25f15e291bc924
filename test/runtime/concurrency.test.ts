import { probe } from './fixture-app/probe';
import { useFixtureHost } from '../../testing/jest/runtime';

/** host.json's maxConcurrentActivityFunctions bounds the activity pool, whatever the orchestrations ask. */
const host = useFixtureHost({ hostOverrides: { maxConcurrentActivityFunctions: 3 } });

test('with maxConcurrentActivityFunctions 3, a window of 20 runs at most 3 activities at once', async () => {
  probe.reset();
  const id = await host().engine.startNew('fxFanOut', { count: 12, window: 20, ms: 150 });
  const record = await host().engine.waitForCompletion(id);
  expect(record.runtimeStatus).toBe('Completed');
  expect(probe.maxActive).toBe(3);
  expect(probe.calls.size).toBe(12);
});
