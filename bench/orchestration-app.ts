/**
 * The benchmark's function app: the batch fan-out shape of migrateBatch (a sliding window of
 * per-mailbox sub-orchestrations, each calling one activity) with no-op work, so the figure measures
 * the runtime, not a mail server.
 */
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';

df.app.activity('benchNoop', { handler: async (mailbox: string) => ({ mailbox, status: 'Synced' }) });

df.app.orchestration('benchMailbox', function* (context: OrchestrationContext) {
  return yield context.df.callActivity('benchNoop', context.df.getInput());
});

df.app.orchestration('benchBatch', function* (context: OrchestrationContext) {
  const { mailboxes, window } = context.df.getInput() as { mailboxes: number; window: number };
  const running: Task[] = [];
  let next = 0;
  let done = 0;
  while (done < mailboxes) {
    while (running.length < window && next < mailboxes) {
      running.push(
        context.df.callSubOrchestrator(
          'benchMailbox',
          `user${next}@example.com`,
          `${context.df.instanceId}:${next}`,
        ),
      );
      next++;
    }
    const finished: Task = yield context.df.Task.any(running);
    running.splice(running.indexOf(finished), 1);
    done++;
  }
  return done;
});
