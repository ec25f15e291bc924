import type { OrchestrationContext, Task } from 'durable-functions';
import {
  ACTIVITIES,
  ORCHESTRATIONS,
  type BatchPlan,
  type BatchRunInput,
  type MailboxRunInput,
  type SlotInput,
  type SlotOutcome,
} from '../shared/workflow/names';
import {
  callActivity,
  callSubOrchestrator,
  firstOf,
  orchestrationInput,
  subOrchestration,
} from '../shared/workflow/calls';
import { registerOrchestration } from '../shared/workflow/register';

/**
 * The sliding window of a batch run: at most `window` mailboxes run at once, and each one that
 * finishes is followed at once by the next (never fixed waves). It is built from `window` slots,
 * sub-orchestrations that each claim the run's next mailbox from its plan in Table Storage, run it,
 * and claim again. So the batch's own history holds `window` slots whatever the batch's size, and a
 * slot's history holds at most SLOT_MAILBOXES_PER_EXECUTION mailboxes before it continues as new.
 * A slot continues as new only between two mailboxes (after the one it ran finished, before it
 * claims the next), so the window never drains at that boundary: the other slots keep running.
 */

/**
 * Mailboxes a slot runs before it continues as new. It bounds the slot's history, and every turn
 * replays that whole history (the replay walks every event), so a turn's cost grows with it: a
 * short execution keeps each mailbox's two slot turns cheap, at the price of one extra commit per
 * execution (which also deletes the ended execution's rows).
 */
export const SLOT_MAILBOXES_PER_EXECUTION = 10;

/**
 * Runs one phase of a batch through the window. When `stop` completes the run's plan is closed (no
 * slot claims another mailbox) and the running mailboxes drain. Returns whether it was stopped.
 */
export function* runWindow(
  context: OrchestrationContext,
  input: BatchRunInput,
  plan: BatchPlan,
  phase: SlotInput['phase'],
  stop: Task,
): Generator<Task, boolean, unknown> {
  if (stop.isCompleted) return true;
  const running = new Set<Task>();
  const slots = Math.min(plan.window, plan.total);
  for (let k = 0; k < slots; k++) {
    const slot: SlotInput = { batchId: input.batchId, mode: input.mode, runId: plan.runId, phase, slot: k };
    running.add(
      subOrchestration(
        context,
        ORCHESTRATIONS.migrateBatchSlot,
        slot,
        `${context.df.instanceId}:${plan.runId}:${k}`,
      ),
    );
  }
  let stopped = false;
  while (running.size) {
    // Slots that finished while this orchestration waited on something else (the stop step) are
    // complete already, and a Task.any over completed tasks alone would wait for an event that
    // never comes: take them out first.
    for (const task of [...running]) if (task.isCompleted || task.isFaulted) running.delete(task);
    if (!running.size) break;
    context.df.setCustomStatus({ phase, total: plan.total, window: slots, slotsRunning: running.size });
    const finished = yield* firstOf(context, stopped ? [...running] : [...running, stop]);
    if (finished === stop) {
      stopped = true;
      yield* callActivity(context, ACTIVITIES.stopBatchRun, { batchId: input.batchId, runId: plan.runId });
      continue;
    }
    running.delete(finished);
  }
  return stopped;
}

/** One window slot: claim, run, repeat; a mailbox that fails is recorded on its row and the slot goes on. */
export function* migrateBatchSlot(context: OrchestrationContext): Generator<Task, SlotOutcome, unknown> {
  const input = orchestrationInput(context, ORCHESTRATIONS.migrateBatchSlot);
  let started = input.started ?? 0;
  const child = input.phase === 'provision' ? ORCHESTRATIONS.provisionMailbox : ORCHESTRATIONS.migrateMailbox;
  for (let n = 0; n < SLOT_MAILBOXES_PER_EXECUTION; n++) {
    const key = `${context.df.instanceId}:${started}`;
    const claim = yield* callActivity(context, ACTIVITIES.claimMailbox, {
      batchId: input.batchId,
      runId: input.runId,
      slot: input.slot,
      token: key,
    });
    if (!claim.email) return { started };
    const mailbox: MailboxRunInput = { batchId: input.batchId, mode: input.mode, email: claim.email };
    try {
      yield* callSubOrchestrator(context, child, mailbox, key);
    } catch {
      // The mailbox's orchestration failed outright; what it got to is on its row. Next one.
    }
    started++;
  }
  context.df.continueAsNew({ ...input, started });
  return { started };
}

registerOrchestration(ORCHESTRATIONS.migrateBatchSlot, migrateBatchSlot);
