import { probe } from './fixture-app/probe';
import { EventType } from '../../local/durable/history';
import { api, useFixtureHost } from '../../testing/jest/runtime';

const host = useFixtureHost();

beforeEach(() => probe.reset());

async function run(
  name: string,
  input?: unknown,
  timeoutMs = 60000,
): Promise<{ status: string; output: unknown; id: string }> {
  const id = await host().engine.startNew(name, input);
  const record = await host().engine.waitForCompletion(id, timeoutMs);
  return {
    status: record.runtimeStatus,
    output: record.output === undefined ? undefined : JSON.parse(record.output),
    id,
  };
}

/**
 * After every episode of the parent, how many children were open (created, not finished) and how
 * many had not finished in total: a full window means open === min(window, unfinished).
 */
async function windowAfterEachEpisode(id: string): Promise<Array<{ open: number; unfinished: number }>> {
  const record = await host().engine.getRecord(id);
  const events = await host().engine.historyOf(record!);
  const total = events.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated).length;
  let open = 0;
  let finished = 0;
  const samples: Array<{ open: number; unfinished: number }> = [];
  for (const e of events) {
    if (e.EventType === EventType.SubOrchestrationInstanceCreated) open++;
    if (e.EventType === EventType.SubOrchestrationInstanceCompleted) {
      open--;
      finished++;
    }
    if (e.EventType === EventType.OrchestratorCompleted) samples.push({ open, unfinished: total - finished });
  }
  return samples;
}

test('2,000 sub-orchestrations through a window of 20: never more, never fewer while work is queued', async () => {
  const result = await run('fxFanOut', { count: 2000, window: 20, ms: 2 }, 240000);
  expect(result).toMatchObject({ status: 'Completed', output: 2000 });
  // The counter inside the activity never saw more than the window.
  expect(probe.maxActive).toBeLessThanOrEqual(20);
  // Every mailbox ran exactly once.
  expect(probe.calls.size).toBe(2000);
  expect([...probe.calls.values()].every((n) => n === 1)).toBe(true);
  // After each decision the orchestrator had exactly min(20, unfinished) children running.
  const samples = await windowAfterEachEpisode(result.id);
  expect(samples.length).toBeGreaterThan(1);
  for (const s of samples) expect(s.open).toBe(Math.min(20, s.unfinished));
}, 240000);

test('with slow work the activities themselves run 20 at a time', async () => {
  const result = await run('fxFanOut', { count: 60, window: 20, ms: 300 });
  expect(result.status).toBe('Completed');
  expect(probe.maxActive).toBe(20);
});

test('an activity with retry options is retried after failures and succeeds', async () => {
  probe.flakyFailuresLeft = 2;
  const result = await run('fxRetry');
  expect(result).toMatchObject({ status: 'Completed', output: 'ok:k' });
  expect(probe.calls.get('flaky:k')).toBe(3);
});

test('an activity that keeps failing exhausts its retries and fails the orchestration', async () => {
  probe.flakyFailuresLeft = 10;
  const result = await run('fxRetry');
  expect(result.status).toBe('Failed');
  expect(probe.calls.get('flaky:k')).toBe(3);
  const record = await host().engine.getRecord(result.id);
  expect(record?.failure?.ErrorMessage).toContain('transient failure for k');
});

test('an activity failure reaches the orchestrator as a catchable error', async () => {
  probe.flakyFailuresLeft = 1;
  const result = await run('fxActivityFails');
  expect(result.status).toBe('Completed');
  expect(String(result.output)).toContain('transient failure for once');
});

test('an orchestrator that throws ends Failed with its message, and the host keeps serving', async () => {
  const failed = await run('fxThrows');
  expect(failed.status).toBe('Failed');
  const record = await host().engine.getRecord(failed.id);
  expect(record?.failure?.ErrorMessage).toBe('orchestrator gave up');
  const next = await run('fxChild', { id: 'after' });
  expect(next.status).toBe('Completed');
});

test('continueAsNew restarts the orchestration with new input until it returns', async () => {
  const result = await run('fxCounter', 0);
  expect(result).toMatchObject({ status: 'Completed', output: 3 });
  expect(probe.calls.get('count0')).toBe(1);
  expect(probe.calls.get('count2')).toBe(1);
});

test('an external event raised through the durable client resumes a waiting orchestration', async () => {
  const started = await api(host(), 'POST', 'fx/fxApproval');
  expect(started.status).toBe(202);
  const id = started.json.id as string;
  expect(started.json.statusQueryGetUri).toContain(id);
  let status = await api(host(), 'GET', `fx/status/${id}`);
  for (let i = 0; i < 50 && status.json.runtimeStatus !== 'Running'; i++)
    status = await api(host(), 'GET', `fx/status/${id}`);
  expect(status.json.runtimeStatus).toBe('Running');
  expect((await api(host(), 'POST', `fx/raise/${id}/approve`, { by: 'admin' })).status).toBe(202);
  const record = await host().engine.waitForCompletion(id);
  expect(JSON.parse(record.output as string)).toEqual({ answer: { by: 'admin' } });
});

test('a second start with the id of a running instance is refused', async () => {
  const id = await host().engine.startNew('fxApproval', undefined, 'fixed-id');
  await expect(host().engine.startNew('fxApproval', undefined, 'fixed-id')).rejects.toThrow(
    /already running/,
  );
  await host().engine.terminate(id, 'test over');
  const record = await host().engine.waitForCompletion(id);
  expect(record.runtimeStatus).toBe('Terminated');
});

test('a replay that schedules something else than its history fails with a nondeterminism error naming the step', async () => {
  const id = await host().engine.startNew('fxFlip', undefined, 'flip-instance');
  await new Promise((r) => setTimeout(r, 100)); // the activity is running
  probe.flip = true;
  const record = await host().engine.waitForCompletion(id);
  expect(record.runtimeStatus).toBe('Failed');
  expect(record.failure?.ErrorMessage).toMatch(
    /Non-deterministic orchestration detected in instance "flip-instance" at step 0/,
  );
  expect(record.failure?.ErrorMessage).toContain('call activity "fxWork"');
  expect(record.failure?.ErrorMessage).toContain('call activity "fxFlaky"');
});
