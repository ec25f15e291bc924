import '../../orchestrators/migrate-mailbox';
import { ActionType, type OrchestratorAction } from '../../local/durable/actions';
import { history, type HistoryEvent } from '../../local/durable/history';
import { TRANSIENT_RETRY } from '../../shared/workflow/retry-policy';
import { ACTIVITIES, ORCHESTRATIONS } from '../../shared/workflow/names';
import { replay } from '../orchestrators/replay';

/**
 * migrateMailbox through transient errors, replayed as the Durable runtime would run it: each chunk
 * answer comes from a script; every decision (activity call, durable timer) is recorded. A source
 * away for a few minutes delays the mailbox and then it completes; one away for longer than the
 * policy allows fails it with a coded error saying so; a permanent error still fails it at once.
 */
const input = { batchId: 'b1', email: 'a@x.com', mode: 'initial' };
const ok = (over: object = {}) => ({
  ok: true,
  done: false,
  itemsSynced: 5,
  itemsSkipped: 0,
  bytesSynced: 50,
  ...over,
});
const down = {
  ok: false,
  transient: true,
  error: { code: 'MAIL_CONNECT_FAILED', message: 'source: cannot connect: ECONNREFUSED' },
};

interface Run {
  outcome: { ok: boolean; error?: { code: string; message: string }; itemsSynced: number };
  /** Each copy call's input cursor, in order. */
  cursors: unknown[];
  /** Each durable timer's wait in ms. */
  waits: number[];
}

/** Drives the orchestrator to its end: activities answer from `answers` (then `done`), timers fire on time. */
async function run(answers: object[]): Promise<Run> {
  let clock = Date.parse('2026-03-01T08:00:00Z');
  const events: HistoryEvent[] = [
    history.orchestratorStarted(new Date(clock)),
    history.executionStarted(new Date(clock), ORCHESTRATIONS.migrateMailbox, JSON.stringify(input)),
  ];
  const cursors: unknown[] = [];
  const waits: number[] = [];
  let seen = 0;
  for (let step = 0; step < 200; step++) {
    const d = await replay(ORCHESTRATIONS.migrateMailbox, 'i1', input, events);
    const fresh: OrchestratorAction[] = d.actions.slice(seen);
    seen = d.actions.length;
    const action = fresh[0];
    if (!action) throw new Error('the orchestrator decided nothing');
    const id = seen - 1;
    const now = new Date(clock);
    if (action.actionType === ActionType.CreateTimer) {
      const fireAt = new Date(action.fireAt as Date);
      waits.push(fireAt.getTime() - clock);
      events.push(history.timerCreated(now, id, fireAt));
      clock = fireAt.getTime();
      events.push(
        history.orchestratorCompleted(new Date(clock)),
        history.orchestratorStarted(new Date(clock)),
        history.timerFired(new Date(clock), id, fireAt.toISOString()),
      );
      continue;
    }
    const name = action.functionName!;
    events.push(history.taskScheduled(now, id, name, JSON.stringify(action.input)));
    let result: unknown = null;
    if (name === ACTIVITIES.copyMailboxChunk) {
      cursors.push((action.input as { cursor?: unknown }).cursor);
      result = answers.shift() ?? ok({ done: true });
    }
    // The contacts-and-calendars step after the mail: nothing to copy here.
    if (name === ACTIVITIES.copyPimChunk)
      result = { ok: true, done: true, events: 0, contacts: 0, skipped: 0 };
    if (name === ACTIVITIES.endMailbox) return { outcome: action.input as Run['outcome'], cursors, waits };
    clock += 60_000; // each activity takes a minute
    events.push(
      history.orchestratorCompleted(new Date(clock)),
      history.orchestratorStarted(new Date(clock)),
      history.taskCompleted(new Date(clock), id, JSON.stringify(result)),
    );
  }
  throw new Error('the orchestrator did not finish in 200 steps');
}

test('a source away for a few minutes: the same chunk again after growing durable waits, then the mailbox completes', async () => {
  const r = await run([ok({ cursor: { index: 2 } }), down, down, down, ok({ done: true })]);
  expect(r.outcome).toMatchObject({ ok: true });
  expect(r.outcome.error).toBeUndefined();
  expect(r.waits).toEqual([
    TRANSIENT_RETRY.firstDelayMs,
    TRANSIENT_RETRY.firstDelayMs * 2,
    TRANSIENT_RETRY.firstDelayMs * 4,
  ]);
  // The failed chunk is retried from where the last good one left off, not from the start.
  expect(r.cursors).toEqual([undefined, { index: 2 }, { index: 2 }, { index: 2 }, { index: 2 }]);
});

test('a server that names a longer wait is waited out as long as it asked', async () => {
  const r = await run([{ ...down, retryAfterMs: 120_000 }, ok({ done: true })]);
  expect(r.waits).toEqual([120_000]);
  expect(r.outcome.ok).toBe(true);
});

test('a source away for longer than the policy allows fails the mailbox with a coded error saying so', async () => {
  const r = await run(Array.from({ length: 100 }, () => down));
  expect(r.outcome.ok).toBe(false);
  expect(r.outcome.error?.code).toBe('COPY_TRANSIENT_ERRORS_PERSISTED');
  expect(r.outcome.error?.message).toContain('MAIL_CONNECT_FAILED');
  // Bounded: about half an hour of waiting, a dozen attempts, not a hundred.
  const waited = r.waits.reduce((a, b) => a + b, 0);
  expect(waited).toBeLessThanOrEqual(TRANSIENT_RETRY.maxTotalMs);
  expect(waited).toBeGreaterThan(TRANSIENT_RETRY.maxTotalMs / 2);
  expect(r.cursors.length).toBeLessThan(20);
});

test('a permanent error still ends the mailbox at once', async () => {
  const r = await run([{ ok: false, error: { code: 'MAIL_AUTH_FAILED', message: 'login refused' } }]);
  expect(r.waits).toEqual([]);
  expect(r.outcome).toMatchObject({ ok: false, error: { code: 'MAIL_AUTH_FAILED' } });
});

test('transient failures between good chunks each start the count again', async () => {
  const answers: object[] = [];
  for (let i = 0; i < 8; i++) answers.push(down, down, ok());
  const r = await run([...answers, ok({ done: true })]);
  expect(r.outcome.ok).toBe(true);
  expect(Math.max(...r.waits)).toBe(TRANSIENT_RETRY.firstDelayMs * 2);
});
