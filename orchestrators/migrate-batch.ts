import type { OrchestrationContext, Task } from 'durable-functions';
import {
  ACTIVITIES,
  ORCHESTRATIONS,
  STOP_EVENT,
  type BatchOutcome,
  type ReportInput,
  type StepError,
} from '../shared/workflow/names';
import { callActivity, callActivityWithRetry, orchestrationInput } from '../shared/workflow/calls';
import { registerOrchestration } from '../shared/workflow/register';
import { RETRY } from '../shared/workflow/retry-policy';
import { runWindow } from './sliding-window';

/**
 * One batch run. The first run provisions every mailbox (the target exists and can receive mail),
 * sends the status report (how many are set up, how many failed), then copies the provisioned
 * ones; incremental and final runs only copy. Each phase's mailboxes are a plan in Table Storage,
 * worked through by a sliding window of `window` slots (see sliding-window.ts), so this history
 * stays the same size for ten mailboxes or fifty thousand. A `stop` event ends the scheduling:
 * running mailboxes finish, the rest stay as they are for the next start.
 */
export function* migrateBatch(context: OrchestrationContext): Generator<Task, BatchOutcome, unknown> {
  const input = orchestrationInput(context, ORCHESTRATIONS.migrateBatch);
  // Deterministic across replays; new for every run of the batch (the instance id is reused).
  const runId = context.df.newGuid(context.df.instanceId).replace(/-/g, '');
  const plan = yield* callActivity(context, ACTIVITIES.beginBatch, { ...input, runId });
  // The tenant is not ready (preflight): the batch is already Failed with what to fix.
  if (plan.error) return { status: 'Failed', failed: 0, total: 0, stopped: false };
  const stop = context.df.waitForExternalEvent(STOP_EVENT);
  const runIds = [plan.runId];
  let stopped = false;
  let copy = plan;

  if (input.mode === 'initial') {
    // The CSV passwords, sealed at upload, go to the secret store before any mailbox needs one.
    for (let from = 0; ;) {
      const stored = yield* callActivityWithRetry(
        context,
        ACTIVITIES.storeStagedSecrets,
        RETRY.stagedSecrets,
        {
          batchId: input.batchId,
          from,
        },
      );
      if (stored.done) break;
      from = stored.next;
    }
    stopped = yield* runWindow(context, input, plan, 'provision', stop);
    if (!stopped) {
      yield* reportOrWarn(context, { ...input, kind: 'status' });
      copy = yield* callActivity(context, ACTIVITIES.planBatchCopy, { ...input, runId });
      runIds.push(copy.runId);
    }
  }
  if (!stopped) stopped = yield* runWindow(context, input, copy, 'copy', stop);
  const outcome = yield* callActivity(context, ACTIVITIES.endBatch, {
    ...input,
    stopped,
    runIds,
  });
  // Completion: the conversion pack and the DNS findings, which the completion report then carries.
  if (input.mode === 'final' && !stopped) yield* callActivity(context, ACTIVITIES.writeCutoverPack, input);
  yield* reportOrWarn(context, input);
  return outcome;
}

/**
 * A report is information about the batch, never a reason to stop it: a transient storage or mail
 * error is retried, and if it persists the batch records a warning and goes on.
 */
function* reportOrWarn(context: OrchestrationContext, report: ReportInput): Generator<Task, void, unknown> {
  try {
    yield* callActivityWithRetry(context, ACTIVITIES.writeBatchReport, RETRY.report, report);
  } catch (e) {
    const warning: StepError = {
      code: 'REPORT_FAILED',
      message: `The ${report.kind ?? report.mode} report could not be written (${reason(e)}); the batch went on. Download it later from the reports API.`,
    };
    yield* callActivity(context, ACTIVITIES.recordBatchWarning, { batchId: report.batchId, warning });
  }
}

function reason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]?.slice(0, 300) ?? 'unknown error';
}

registerOrchestration(ORCHESTRATIONS.migrateBatch, migrateBatch);
