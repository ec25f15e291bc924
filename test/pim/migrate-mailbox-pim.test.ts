import '../../orchestrators/migrate-mailbox';
import { ActionType } from '../../local/durable/actions';
import { history } from '../../local/durable/history';
import { ACTIVITIES, ORCHESTRATIONS } from '../../shared/workflow/names';
import { HistoryBuilder, json, replay } from '../orchestrators/replay';

/** migrateMailbox's contacts-and-calendars step: after the mail, page by page, totals and errors recorded. */
const ID = 'batch-b1:initial:0';
const input = { batchId: 'b1', email: 'a@x.com', mode: 'initial' };
const mailDone = { ok: true, done: true, itemsSynced: 5, itemsSkipped: 0, bytesSynced: 100 };

function afterMail(): HistoryBuilder {
  return new HistoryBuilder(ORCHESTRATIONS.migrateMailbox, input)
    .scheduled((at) => history.taskScheduled(at, 0, ACTIVITIES.beginMailbox, json(input)))
    .episode((at) => history.taskCompleted(at, 0, 'null'))
    .scheduled((at) => history.taskScheduled(at, 1, ACTIVITIES.copyMailboxChunk, undefined))
    .episode((at) => history.taskCompleted(at, 1, json(mailDone)));
}

test('after the last mail chunk the first contacts-and-calendars page is called, with a pass id', async () => {
  const d = await replay(ORCHESTRATIONS.migrateMailbox, ID, input, afterMail().events);
  const next = d.actions[d.actions.length - 1];
  expect(next).toMatchObject({
    actionType: ActionType.CallActivityWithRetry,
    functionName: ACTIVITIES.copyPimChunk,
  });
  expect(next?.input).toMatchObject({ batchId: 'b1', email: 'a@x.com' });
  expect(typeof (next?.input as { pass: unknown }).pass).toBe('string');
  expect((next?.input as { cursor?: unknown }).cursor).toBeUndefined();
});

test('a page that is not the last is followed by the next with its cursor; the totals add mail, events and contacts', async () => {
  const page = {
    ok: true,
    done: false,
    events: 7,
    contacts: 3,
    skipped: 1,
    cursor: { pim: { index: 1 }, userId: 'u' },
  };
  const h = afterMail()
    .scheduled((at) => history.taskScheduled(at, 2, ACTIVITIES.copyPimChunk, undefined))
    .episode((at) => history.taskCompleted(at, 2, json(page)));
  const d = await replay(ORCHESTRATIONS.migrateMailbox, ID, input, h.events);
  const next = d.actions[d.actions.length - 1];
  expect(next?.functionName).toBe(ACTIVITIES.copyPimChunk);
  expect((next?.input as { cursor: unknown }).cursor).toEqual(page.cursor);

  h.scheduled((at) => history.taskScheduled(at, 3, ACTIVITIES.copyPimChunk, undefined)).episode((at) =>
    history.taskCompleted(at, 3, json({ ok: true, done: true, events: 1, contacts: 0, skipped: 0 })),
  );
  const end = await replay(ORCHESTRATIONS.migrateMailbox, ID, input, h.events);
  const last = end.actions[end.actions.length - 1];
  expect(last?.functionName).toBe(ACTIVITIES.endMailbox);
  expect(last?.input).toMatchObject({ ok: true, itemsSynced: 5 + 7 + 3 + 1, itemsSkipped: 1 });
});

test('a failed page (an unreachable DAV server) ends the mailbox with that coded error; mail stays counted', async () => {
  const h = afterMail()
    .scheduled((at) => history.taskScheduled(at, 2, ACTIVITIES.copyPimChunk, undefined))
    .episode((at) =>
      history.taskCompleted(
        at,
        2,
        json({ ok: false, error: { code: 'PIM_SOURCE_UNREACHABLE', message: 'no answer' } }),
      ),
    );
  const d = await replay(ORCHESTRATIONS.migrateMailbox, ID, input, h.events);
  expect(d.actions[d.actions.length - 1]?.input).toMatchObject({
    ok: false,
    itemsSynced: 5,
    error: { code: 'PIM_SOURCE_UNREACHABLE' },
  });
});
