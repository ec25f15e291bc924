import '../../orchestrators/migrate-batch';
import { ActionType } from '../../local/durable/actions';
import { history } from '../../local/durable/history';
import { SLOT_MAILBOXES_PER_EXECUTION } from '../../orchestrators/sliding-window';
import { ACTIVITIES, ORCHESTRATIONS, STOP_EVENT } from '../../shared/workflow/names';
import { HistoryBuilder, json, replay } from './replay';

/**
 * migrateBatch and its window slots replayed from synthetic histories: what they schedule at each
 * point of a batch. Task ids: beginBatch is 0; the stop-event wait takes none; slot k is k + 1.
 * The mailboxes are not in any history: beginBatch stores the plan in Table Storage and answers
 * with its size; each slot claims mailboxes from it (batch-window.test.ts runs the whole thing).
 */
const ID = 'batch-b1';
const incremental = { batchId: 'b1', mode: 'incremental' };
const initial = { batchId: 'b1', mode: 'initial' };
const subs = (actions: Awaited<ReturnType<typeof replay>>['actions']) =>
  actions.filter((a) => a.actionType === ActionType.CallSubOrchestrator);
const named = (actions: Awaited<ReturnType<typeof replay>>['actions'], name: string) =>
  actions.filter((a) => a.functionName === name);

/** The run id the orchestrator derives (deterministically) for the history's first episode. */
async function runIdOf(input: object): Promise<string> {
  const d = await replay(
    ORCHESTRATIONS.migrateBatch,
    ID,
    input,
    new HistoryBuilder(ORCHESTRATIONS.migrateBatch, input).events,
  );
  return (d.actions[0]?.input as { runId: string }).runId;
}

async function planned(
  input: object,
  total: number,
  window: number,
): Promise<{ h: HistoryBuilder; runId: string }> {
  const runId = await runIdOf(input);
  const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatch, input)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginBatch, json({ ...input, runId })))
    .episode((at) => history.taskCompleted(at, 0, json({ runId, total, window })));
  return { h, runId };
}

function slotsStarted(h: HistoryBuilder, runId: string, n: number, first = 1): HistoryBuilder {
  return h.scheduled(
    ...Array.from(
      { length: n },
      (_, k) => (at: Date) =>
        history.subOrchestrationCreated(
          at,
          first + k,
          ORCHESTRATIONS.migrateBatchSlot,
          `${ID}:${runId}:${k}`,
          undefined,
        ),
    ),
  );
}

test('a new batch run first marks the batch running and stores its plan under a run id of its own', async () => {
  const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatch, incremental);
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, h.events);
  expect(d.isDone).toBe(false);
  expect(d.actions).toHaveLength(1);
  expect(d.actions[0]).toMatchObject({
    actionType: ActionType.CallActivity,
    functionName: ACTIVITIES.beginBatch,
  });
  expect((d.actions[0]?.input as { runId: string }).runId).toMatch(/^[0-9a-f]{32}$/);
});

test('with the plan it starts `window` slots (never more than mailboxes) and waits for the stop event', async () => {
  const { h, runId } = await planned(incremental, 5000, 3);
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, h.events);
  expect(subs(d.actions).map((a) => [a.functionName, a.instanceId, a.input])).toEqual(
    [0, 1, 2].map((k) => [
      ORCHESTRATIONS.migrateBatchSlot,
      `${ID}:${runId}:${k}`,
      { batchId: 'b1', mode: 'incremental', runId, phase: 'copy', slot: k },
    ]),
  );
  expect(
    d.actions.some(
      (a) => a.actionType === ActionType.WaitForExternalEvent && a.externalEventName === STOP_EVENT,
    ),
  ).toBe(true);

  const small = await planned(incremental, 2, 20);
  expect(
    subs((await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, small.h.events)).actions),
  ).toHaveLength(2);
});

test('its history does not grow with the batch: 50,000 mailboxes schedule what 50 do', async () => {
  const big = await planned(incremental, 50_000, 20);
  const small = await planned(incremental, 50, 20);
  const a = await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, big.h.events);
  const b = await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, small.h.events);
  expect(a.actions).toHaveLength(b.actions.length);
  expect(JSON.stringify(a.actions).length).toBeLessThan(5000);
});

test('a stop closes the plan (no slot claims another mailbox); the slots drain; the batch ends stopped', async () => {
  const { h, runId } = await planned(incremental, 100, 2);
  slotsStarted(h, runId, 2).episode((at) => history.eventRaised(at, STOP_EVENT, json({})));
  const d1 = await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, h.events);
  expect(named(d1.actions, ACTIVITIES.stopBatchRun).map((a) => a.input)).toEqual([{ batchId: 'b1', runId }]);
  expect(d1.isDone).toBe(false);
  // The slots finish while the stop step is still running, each in an episode of its own: they
  // must not be waited for again once it is done.
  h.scheduled((at) => history.taskScheduled(at, 3, ACTIVITIES.stopBatchRun, undefined))
    .episode((at) => history.subOrchestrationCompleted(at, 1, json({ started: 40 })))
    .episode((at) => history.subOrchestrationCompleted(at, 2, json({ started: 41 })))
    .episode((at) => history.taskCompleted(at, 3, json(null)));
  const d2 = await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, h.events);
  expect(subs(d2.actions)).toHaveLength(2);
  expect(named(d2.actions, ACTIVITIES.endBatch).map((a) => a.input)).toEqual([
    { ...incremental, stopped: true, runIds: [runId] },
  ]);
});

test('when the slots are done it settles the batch (dropping the plan), writes the report and returns the outcome', async () => {
  const { h, runId } = await planned(incremental, 1, 20);
  const outcome = { status: 'Synced', failed: 0, total: 1, stopped: false };
  slotsStarted(h, runId, 1)
    .episode((at) => history.subOrchestrationCompleted(at, 1, json({ started: 1 })))
    .scheduled((at) => history.taskScheduled(at, 2, ACTIVITIES.endBatch, undefined))
    .episode((at) => history.taskCompleted(at, 2, json(outcome)))
    .scheduled((at) => history.taskScheduled(at, 3, ACTIVITIES.writeBatchReport, undefined))
    .episode((at) => history.taskCompleted(at, 3, json({ blobs: [] })));
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, incremental, h.events);
  expect(d.isDone).toBe(true);
  expect(d.output).toEqual(outcome);
  expect(named(d.actions, ACTIVITIES.endBatch)[0]?.input).toEqual({
    ...incremental,
    stopped: false,
    runIds: [runId],
  });
  expect(named(d.actions, ACTIVITIES.writeBatchReport)[0]).toMatchObject({
    actionType: ActionType.CallActivityWithRetry,
    input: incremental,
  });
});

test('a first run stores the sealed CSV passwords, provisions, sends the status report (with retries), then plans and copies', async () => {
  const { h, runId } = await planned(initial, 2, 5);
  const storing = await replay(ORCHESTRATIONS.migrateBatch, ID, initial, h.events);
  expect(storing.actions.slice(1).map((a) => [a.functionName, a.input])).toEqual([
    [ACTIVITIES.storeStagedSecrets, { batchId: 'b1', from: 0 }],
  ]);
  h.scheduled((at) => history.taskScheduled(at, 1, ACTIVITIES.storeStagedSecrets, undefined))
    .episode((at) => history.taskCompleted(at, 1, json({ next: 1000, done: false })))
    .scheduled((at) => history.taskScheduled(at, 2, ACTIVITIES.storeStagedSecrets, undefined))
    .episode((at) => history.taskCompleted(at, 2, json({ next: 1500, done: true })));
  slotsStarted(h, runId, 2, 3);
  const provisioning = await replay(ORCHESTRATIONS.migrateBatch, ID, initial, h.events);
  expect(named(provisioning.actions, ACTIVITIES.storeStagedSecrets).map((a) => a.input)).toEqual([
    { batchId: 'b1', from: 0 },
    { batchId: 'b1', from: 1000 },
  ]);
  expect(subs(provisioning.actions).map((a) => (a.input as { phase: string }).phase)).toEqual([
    'provision',
    'provision',
  ]);
  expect(named(provisioning.actions, ACTIVITIES.writeBatchReport)).toEqual([]); // not while provisioning runs

  h.episode(
    (at) => history.subOrchestrationCompleted(at, 3, json({ started: 1 })),
    (at) => history.subOrchestrationCompleted(at, 4, json({ started: 1 })),
  );
  const afterProvisioning = await replay(ORCHESTRATIONS.migrateBatch, ID, initial, h.events);
  const report = named(afterProvisioning.actions, ACTIVITIES.writeBatchReport)[0];
  expect(report).toMatchObject({
    actionType: ActionType.CallActivityWithRetry,
    input: { ...initial, kind: 'status' },
  });
  expect(report?.retryOptions?.maxNumberOfAttempts).toBeGreaterThan(1);

  h.scheduled((at) => history.taskScheduled(at, 5, ACTIVITIES.writeBatchReport, undefined)).episode((at) =>
    history.taskCompleted(at, 5, json({ blobs: [] })),
  );
  const planning = await replay(ORCHESTRATIONS.migrateBatch, ID, initial, h.events);
  expect(named(planning.actions, ACTIVITIES.planBatchCopy)[0]?.input).toEqual({ ...initial, runId });

  const copyRun = `${runId}-copy`;
  h.scheduled((at) => history.taskScheduled(at, 6, ACTIVITIES.planBatchCopy, undefined)).episode((at) =>
    history.taskCompleted(at, 6, json({ runId: copyRun, total: 1, window: 1 })),
  );
  const copying = await replay(ORCHESTRATIONS.migrateBatch, ID, initial, h.events);
  expect(
    subs(copying.actions)
      .slice(2)
      .map((a) => [a.instanceId, a.input]),
  ).toEqual([
    [`${ID}:${copyRun}:0`, { batchId: 'b1', mode: 'initial', runId: copyRun, phase: 'copy', slot: 0 }],
  ]);
});

// A status report that fails for good: batch-window.test.ts runs it through the retries on the runtime.

describe('a window slot', () => {
  const SLOT = `${ID}:r1:0`;
  const slot = { batchId: 'b1', mode: 'incremental', runId: 'r1', phase: 'copy', slot: 0 };

  test('claims a mailbox, runs it, claims the next; a failed mailbox does not end the slot', async () => {
    const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatchSlot, slot)
      .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.claimMailbox, undefined))
      .episode((at) => history.taskCompleted(at, 0, json({ email: 'a@x.com' })))
      .scheduled((at) =>
        history.subOrchestrationCreated(at, 1, ORCHESTRATIONS.migrateMailbox, `${SLOT}:0`, undefined),
      )
      .episode((at) =>
        history.subOrchestrationFailed(at, 1, { ErrorType: 'Error', ErrorMessage: 'crashed' }),
      );
    const d = await replay(ORCHESTRATIONS.migrateBatchSlot, SLOT, slot, h.events);
    expect(d.actions.map((a) => [a.functionName, a.input])).toEqual([
      [ACTIVITIES.claimMailbox, { batchId: 'b1', runId: 'r1', slot: 0, token: `${SLOT}:0` }],
      [ORCHESTRATIONS.migrateMailbox, { batchId: 'b1', mode: 'incremental', email: 'a@x.com' }],
      [ACTIVITIES.claimMailbox, { batchId: 'b1', runId: 'r1', slot: 0, token: `${SLOT}:1` }],
    ]);
    expect(d.isDone).toBe(false);
  });

  test('ends when the plan has nothing left for it', async () => {
    const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatchSlot, { ...slot, started: 7 })
      .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.claimMailbox, undefined))
      .episode((at) => history.taskCompleted(at, 0, json({})));
    const d = await replay(ORCHESTRATIONS.migrateBatchSlot, SLOT, { ...slot, started: 7 }, h.events);
    expect(d.isDone).toBe(true);
    expect(d.output).toEqual({ started: 7 });
  });

  test(`continues as new after ${SLOT_MAILBOXES_PER_EXECUTION} mailboxes, between two mailboxes`, async () => {
    const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatchSlot, slot);
    let id = 0;
    for (let n = 0; n < SLOT_MAILBOXES_PER_EXECUTION; n++) {
      h.scheduled((at) => history.taskScheduled(at, id, ACTIVITIES.claimMailbox, undefined));
      const claimId = id++;
      h.episode((at) => history.taskCompleted(at, claimId, json({ email: `u${n}@x.com` })));
      h.scheduled((at) =>
        history.subOrchestrationCreated(at, id, ORCHESTRATIONS.migrateMailbox, `${SLOT}:${n}`, undefined),
      );
      const childId = id++;
      h.episode((at) => history.subOrchestrationCompleted(at, childId, json({ ok: true })));
    }
    const d = await replay(ORCHESTRATIONS.migrateBatchSlot, SLOT, slot, h.events);
    const last = d.actions[d.actions.length - 1];
    expect(last?.actionType).toBe(ActionType.ContinueAsNew);
    expect(last?.input).toEqual({ ...slot, started: SLOT_MAILBOXES_PER_EXECUTION });
  });
});
