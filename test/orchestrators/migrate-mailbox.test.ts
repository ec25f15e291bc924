import '../../orchestrators/migrate-mailbox';
import { ActionType } from '../../local/durable/actions';
import { history } from '../../local/durable/history';
import { ACTIVITIES, ORCHESTRATIONS } from '../../shared/workflow/names';
import { HistoryBuilder, json, replay } from './replay';

/** migrateMailbox replayed: chunks until done, a durable wait when the server throttles, the outcome recorded. */
const ID = 'batch-b1:initial:0';
const input = { batchId: 'b1', email: 'a@x.com', mode: 'initial' };
const chunk = (over: object) => ({
  ok: true,
  done: false,
  itemsSynced: 10,
  itemsSkipped: 0,
  bytesSynced: 1000,
  cursor: { index: 0 },
  ...over,
});

function afterFirstChunk(result: object): HistoryBuilder {
  return new HistoryBuilder(ORCHESTRATIONS.migrateMailbox, input)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginMailbox, json(input)))
    .episode((at) => history.taskCompleted(at, 0, 'null'))
    .scheduled((at) => history.taskScheduled(at, 1, ACTIVITIES.copyMailboxChunk, undefined))
    .episode((at) => history.taskCompleted(at, 1, json(result)));
}

test('a chunk that is not the last is followed by the next, with the cursor it returned', async () => {
  const d = await replay(
    ORCHESTRATIONS.migrateMailbox,
    ID,
    input,
    afterFirstChunk(chunk({ cursor: { index: 3 } })).events,
  );
  const next = d.actions[d.actions.length - 1];
  expect(next).toMatchObject({
    actionType: ActionType.CallActivityWithRetry,
    functionName: ACTIVITIES.copyMailboxChunk,
  });
  expect((next?.input as { cursor: unknown }).cursor).toEqual({ index: 3 });
});

test('a throttled chunk makes the mailbox wait on a durable timer for the time the server named', async () => {
  const h = afterFirstChunk(chunk({ retryAfterMs: 300_000 }));
  const d = await replay(ORCHESTRATIONS.migrateMailbox, ID, input, h.events);
  const timer = d.actions[d.actions.length - 1];
  expect(timer?.actionType).toBe(ActionType.CreateTimer);
  const startedAt = h.events
    .filter((e) => e.EventType === 12)
    .pop()!
    .Timestamp.getTime();
  expect(new Date(timer?.fireAt as Date).getTime() - startedAt).toBe(300_000);
});

test('the last chunk ends the mailbox with its totals', async () => {
  // After the mail, the contacts-and-calendars step runs (here: nothing to migrate).
  const h = afterFirstChunk(chunk({ done: true }))
    .scheduled((at) => history.taskScheduled(at, 2, ACTIVITIES.copyPimChunk, undefined))
    .episode((at) =>
      history.taskCompleted(at, 2, json({ ok: true, done: true, events: 0, contacts: 0, skipped: 0 })),
    );
  const d = await replay(ORCHESTRATIONS.migrateMailbox, ID, input, h.events);
  const end = d.actions[d.actions.length - 1];
  expect(end).toMatchObject({ functionName: ACTIVITIES.endMailbox });
  expect(end?.input).toMatchObject({ ok: true, itemsSynced: 10, bytesSynced: 1000 });
});

test('a failed chunk ends the mailbox Failed with its coded error', async () => {
  const h = afterFirstChunk({
    ok: false,
    error: { code: 'MAIL_BAD_ITEM_LIMIT', message: 'too many items failed' },
  });
  const d = await replay(ORCHESTRATIONS.migrateMailbox, ID, input, h.events);
  expect(d.actions[d.actions.length - 1]?.input).toMatchObject({
    ok: false,
    error: { code: 'MAIL_BAD_ITEM_LIMIT' },
  });
});
