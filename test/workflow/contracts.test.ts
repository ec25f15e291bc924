import type { OrchestrationContext } from 'durable-functions';
import '../../functions/index';
import { functionsCore } from '../../local/core/core-api';
import { ActionType } from '../../local/durable/actions';
import { history } from '../../local/durable/history';
import { callActivity, callActivityWithRetry, callSubOrchestrator } from '../../shared/workflow/calls';
import { ACTIVITIES, ORCHESTRATIONS } from '../../shared/workflow/names';
import { registerActivity, registerOrchestration } from '../../shared/workflow/register';
import type { OrchestrationPort } from '../../shared/workflow/port';
import { RETRY } from '../../shared/workflow/retry-policy';
import { HistoryBuilder, json, replay } from '../orchestrators/replay';

/**
 * The workflow's contracts: the function app registers every step the orchestrators call, the
 * retried calls carry their named policies, and (checked by the typecheck, which covers this file)
 * a call or a registration that does not match its step's contract does not compile.
 */
const names = (trigger: string) =>
  functionsCore.registry
    .byTrigger(trigger)
    .map((f) => f.name)
    .sort();

test('the function app registers every activity and orchestration the orchestrators call', () => {
  expect(names('activityTrigger')).toEqual(Object.values(ACTIVITIES).sort());
  expect(names('orchestrationTrigger')).toEqual(Object.values(ORCHESTRATIONS).sort());
});

test('a mail chunk is retried under RETRY.copyChunk, a removal under RETRY.removeBatch', async () => {
  const input = { batchId: 'b1', email: 'a@x.com', mode: 'initial' };
  const mailbox = new HistoryBuilder(ORCHESTRATIONS.migrateMailbox, input)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginMailbox, json(input)))
    .episode((at) => history.taskCompleted(at, 0, 'null'));
  const chunk = (await replay(ORCHESTRATIONS.migrateMailbox, 'm1', input, mailbox.events)).actions.pop();
  expect(chunk).toMatchObject({
    actionType: ActionType.CallActivityWithRetry,
    functionName: ACTIVITIES.copyMailboxChunk,
    retryOptions: { firstRetryIntervalInMilliseconds: 5000, maxNumberOfAttempts: 3 },
  });
  const removal = new HistoryBuilder(ORCHESTRATIONS.removeBatch, 'b1');
  const [remove] = (await replay(ORCHESTRATIONS.removeBatch, 'r1', 'b1', removal.events)).actions;
  expect(remove).toMatchObject({
    actionType: ActionType.CallActivityWithRetry,
    functionName: ACTIVITIES.removeBatchData,
    input: json('b1'),
    retryOptions: {
      firstRetryIntervalInMilliseconds: RETRY.removeBatch.firstRetryIntervalMs,
      maxNumberOfAttempts: RETRY.removeBatch.maxNumberOfAttempts,
    },
  });
});

/**
 * Never run: each @ts-expect-error line must be a type error, or `npm run typecheck` fails with
 * "Unused '@ts-expect-error' directive". So a contract that loosens until one of these compiles
 * breaks the build, as a contract that changes breaks its callers.
 */
export function* contractsAreChecked(context: OrchestrationContext, port: OrchestrationPort) {
  // @ts-expect-error removeBatch is started with the batch id alone.
  void port.start(ORCHESTRATIONS.removeBatch, 'batch-b', { batchId: 'b' });
  // @ts-expect-error beginBatch's input needs the run id.
  yield* callActivity(context, ACTIVITIES.beginBatch, { batchId: 'b', mode: 'initial' });
  const plan = yield* callActivity(context, ACTIVITIES.beginBatch, {
    batchId: 'b',
    mode: 'initial',
    runId: 'r',
  });
  const window: number = plan.window;
  // @ts-expect-error a batch plan has no mailbox address.
  const email: string = plan.email;
  const chunk = yield* callActivityWithRetry(context, ACTIVITIES.copyMailboxChunk, RETRY.copyChunk, {
    batchId: 'b',
    email: 'a@x.com',
    mode: 'initial',
  });
  // @ts-expect-error a failed chunk has no counts: the result must be narrowed on `ok` first.
  const synced: number = chunk.itemsSynced;
  // @ts-expect-error a retried call takes a named policy, not an attempt count.
  yield* callActivityWithRetry(context, ACTIVITIES.writeBatchReport, 3, { batchId: 'b', mode: 'final' });
  const outcome = yield* callSubOrchestrator(
    context,
    ORCHESTRATIONS.migrateMailbox,
    { batchId: 'b', email: 'a', mode: 'final' },
    'i',
  );
  // @ts-expect-error a mailbox's outcome says ok or not, as a boolean.
  const status: string = outcome.ok;
  // @ts-expect-error an activity's handler returns its contract's output (claimMailbox: `{ email? }`).
  registerActivity(ACTIVITIES.claimMailbox, async () => ({ mailbox: 'a@x.com' }));
  // @ts-expect-error an orchestrator returns its contract's output (migrateBatchSlot: `{ started }`).
  registerOrchestration(ORCHESTRATIONS.migrateBatchSlot, function* (slot) {
    yield slot.df.createTimer(new Date(0));
    return { done: true };
  });
  // @ts-expect-error a step that has no contract has no name either.
  yield* callActivity(context, 'copyEverything', {});
  return { window, email, synced, status };
}
