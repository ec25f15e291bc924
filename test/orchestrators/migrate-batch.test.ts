import '../../orchestrators/migrate-batch';
import { ActionType } from '../../local/durable/actions';
import { history } from '../../local/durable/history';
import { ACTIVITIES, ORCHESTRATIONS, STOP_EVENT } from '../../shared/workflow/names';
import { HistoryBuilder, json, replay } from './replay';

/**
 * migrateBatch replayed from synthetic histories: what it schedules at each point of a batch.
 * Task ids: beginBatch is 0; the stop-event wait takes no id; mailbox k's sub-orchestration is k + 1
 * (an incremental run; an initial run has a provisioning phase first, see the last test).
 */
const ID = 'batch-b1';
const input = { batchId: 'b1', mode: 'incremental' };
const plan = { mailboxes: ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'e@x.com'], window: 2 };
const mailboxDone = (email: string, ok = true) => ({
  batchId: 'b1',
  email,
  mode: 'initial',
  ok,
  itemsSynced: 1,
  itemsSkipped: 0,
  bytesSynced: 10,
  durationMs: 5,
});
const subs = (actions: Awaited<ReturnType<typeof replay>>['actions']) =>
  actions.filter((a) => a.actionType === ActionType.CallSubOrchestrator).map((a) => a.instanceId);

function afterPlan(): HistoryBuilder {
  return new HistoryBuilder(ORCHESTRATIONS.migrateBatch, input)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginBatch, json(input)))
    .episode((at) => history.taskCompleted(at, 0, json(plan)))
    .scheduled(
      (at) =>
        history.subOrchestrationCreated(
          at,
          1,
          ORCHESTRATIONS.migrateMailbox,
          `${ID}:incremental:0`,
          undefined,
        ),
      (at) =>
        history.subOrchestrationCreated(
          at,
          2,
          ORCHESTRATIONS.migrateMailbox,
          `${ID}:incremental:1`,
          undefined,
        ),
    );
}

test('a new batch run first marks the batch running and plans it', async () => {
  const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatch, input);
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, input, h.events);
  expect(d.isDone).toBe(false);
  expect(d.actions).toHaveLength(1);
  expect(d.actions[0]).toMatchObject({
    actionType: ActionType.CallActivity,
    functionName: ACTIVITIES.beginBatch,
  });
});

test('with the plan it starts exactly `window` mailboxes and waits for the stop event', async () => {
  const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatch, input)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginBatch, json(input)))
    .episode((at) => history.taskCompleted(at, 0, json(plan)));
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, input, h.events);
  expect(subs(d.actions)).toEqual([`${ID}:incremental:0`, `${ID}:incremental:1`]);
  expect(
    d.actions.some(
      (a) => a.actionType === ActionType.WaitForExternalEvent && a.externalEventName === STOP_EVENT,
    ),
  ).toBe(true);
});

test('each finished mailbox starts the next one at once (a sliding window, not waves)', async () => {
  // Mailbox 1 (the second) finishes first: the third starts while the first is still running.
  const h = afterPlan().episode((at) =>
    history.subOrchestrationCompleted(at, 2, json(mailboxDone('b@x.com'))),
  );
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, input, h.events);
  expect(subs(d.actions)).toEqual([`${ID}:incremental:0`, `${ID}:incremental:1`, `${ID}:incremental:2`]);
  expect(d.isDone).toBe(false);
});

test('a failed mailbox does not stop the others', async () => {
  const failure = { ErrorType: 'Error', ErrorMessage: 'mailbox orchestration crashed' };
  const h = afterPlan().episode((at) => history.subOrchestrationFailed(at, 1, failure));
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, input, h.events);
  expect(subs(d.actions)).toContain(`${ID}:incremental:2`);
});

test('after a stop event no new mailbox starts; the running ones drain, then the batch ends stopped', async () => {
  const stopped = afterPlan().episode((at) => history.eventRaised(at, STOP_EVENT, json({})));
  const d1 = await replay(ORCHESTRATIONS.migrateBatch, ID, input, stopped.events);
  expect(subs(d1.actions)).toHaveLength(2);
  stopped.episode(
    (at) => history.subOrchestrationCompleted(at, 1, json(mailboxDone('a@x.com'))),
    (at) => history.subOrchestrationCompleted(at, 2, json(mailboxDone('b@x.com'))),
  );
  const d2 = await replay(ORCHESTRATIONS.migrateBatch, ID, input, stopped.events);
  expect(subs(d2.actions)).toHaveLength(2);
  const end = d2.actions.find((a) => a.functionName === ACTIVITIES.endBatch);
  expect(end?.input).toEqual({ ...input, stopped: true });
});

test('when every mailbox is done it settles the batch, writes the report and returns the outcome', async () => {
  const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatch, input)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginBatch, json(input)))
    .episode((at) => history.taskCompleted(at, 0, json({ mailboxes: ['a@x.com'], window: 20 })))
    .scheduled((at) =>
      history.subOrchestrationCreated(at, 1, ORCHESTRATIONS.migrateMailbox, `${ID}:incremental:0`, undefined),
    )
    .episode((at) => history.subOrchestrationCompleted(at, 1, json(mailboxDone('a@x.com'))))
    .scheduled((at) => history.taskScheduled(at, 2, ACTIVITIES.endBatch, undefined))
    .episode((at) =>
      history.taskCompleted(at, 2, json({ status: 'Synced', failed: 0, total: 1, stopped: false })),
    )
    .scheduled((at) => history.taskScheduled(at, 3, ACTIVITIES.writeBatchReport, undefined))
    .episode((at) => history.taskCompleted(at, 3, json({ blobs: [] })));
  const d = await replay(ORCHESTRATIONS.migrateBatch, ID, input, h.events);
  expect(d.isDone).toBe(true);
  expect(d.output).toEqual({ status: 'Synced', failed: 0, total: 1, stopped: false });
  expect(d.actions.map((a) => a.functionName)).toEqual([
    ACTIVITIES.beginBatch,
    ORCHESTRATIONS.migrateMailbox,
    undefined, // the stop-event wait
    ACTIVITIES.endBatch,
    ACTIVITIES.writeBatchReport,
  ]);
});

test('a first run provisions every mailbox, sends the status report, then copies only the provisioned ones', async () => {
  const first = { batchId: 'b1', mode: 'initial' };
  const h = new HistoryBuilder(ORCHESTRATIONS.migrateBatch, first)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginBatch, json(first)))
    .episode((at) => history.taskCompleted(at, 0, json({ mailboxes: ['a@x.com', 'b@x.com'], window: 5 })))
    .scheduled(
      (at) =>
        history.subOrchestrationCreated(
          at,
          1,
          ORCHESTRATIONS.provisionMailbox,
          `${ID}:provision:0`,
          undefined,
        ),
      (at) =>
        history.subOrchestrationCreated(
          at,
          2,
          ORCHESTRATIONS.provisionMailbox,
          `${ID}:provision:1`,
          undefined,
        ),
    );
  const provisioning = await replay(ORCHESTRATIONS.migrateBatch, ID, first, h.events);
  expect(provisioning.actions.filter((a) => a.functionName === ORCHESTRATIONS.migrateMailbox)).toEqual([]); // nothing copies while provisioning runs
  expect(provisioning.actions.filter((a) => a.functionName === ORCHESTRATIONS.provisionMailbox)).toHaveLength(
    2,
  );

  h.episode(
    (at) => history.subOrchestrationCompleted(at, 1, json({ ok: true })),
    (at) =>
      history.subOrchestrationCompleted(
        at,
        2,
        json({ ok: false, error: { code: 'MAIL_AUTH_FAILED', message: 'no' } }),
      ),
  );
  const afterProvisioning = await replay(ORCHESTRATIONS.migrateBatch, ID, first, h.events);
  const report = afterProvisioning.actions.find((a) => a.functionName === ACTIVITIES.writeBatchReport);
  expect(report?.input).toEqual({ ...first, kind: 'status' });

  h.scheduled((at) => history.taskScheduled(at, 3, ACTIVITIES.writeBatchReport, undefined)).episode((at) =>
    history.taskCompleted(at, 3, json({ blobs: [] })),
  );
  const copying = await replay(ORCHESTRATIONS.migrateBatch, ID, first, h.events);
  const copies = copying.actions.filter((a) => a.functionName === ORCHESTRATIONS.migrateMailbox);
  expect(copies.map((a) => [a.instanceId, (a.input as { email: string }).email])).toEqual([
    [`${ID}:initial:0`, 'a@x.com'],
  ]);
});
