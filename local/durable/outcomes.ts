import { failureFrom, history, type FailureDetails, type HistoryEvent } from './history';
import type { InstanceRecord } from './store';

/** What an orchestrator episode and a finished instance come to, in the forms the engine records. */
export interface OrchestratorState {
  isDone: boolean;
  actions: unknown;
  output?: unknown;
  customStatus?: unknown;
  error?: string;
}

export class InstanceConflictError extends Error {
  readonly code = 'INSTANCE_EXISTS';
  constructor(instanceId: string) {
    super(`An orchestration instance with id "${instanceId}" is already running.`);
  }
}

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

export function completionEventFor(child: InstanceRecord, now: Date): HistoryEvent {
  const taskId = child.parentTaskId as number;
  if (child.runtimeStatus === 'Completed')
    return history.subOrchestrationCompleted(now, taskId, child.output ?? 'null');
  return history.subOrchestrationFailed(
    now,
    taskId,
    child.failure ?? {
      ErrorType: 'Error',
      ErrorMessage: `Sub-orchestration ${child.instanceId} ${child.runtimeStatus}`,
    },
  );
}

/**
 * A throwing orchestrator surfaces as `OrchestrationFailureError`, whose message carries the
 * orchestrator state after a `$OutOfProcData$:` label (as the Durable extension reads it).
 */
export function parseOrchestratorFailure(e: unknown): { state?: OrchestratorState; failure: FailureDetails } {
  const message = e instanceof Error ? e.message : String(e);
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return { failure: failureFrom(e) };
  let state: OrchestratorState | undefined;
  try {
    state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorState;
  } catch {
    state = undefined;
  }
  // The library passes its `orchestratorReturned` flag as the error, so the text before the label
  // is just "false"; the orchestrator's own error message travels in the state.
  return {
    state,
    failure: {
      ErrorType: 'OrchestratorError',
      ErrorMessage: state?.error ?? message.slice(0, at),
      StackTrace: (e as Error).stack,
    },
  };
}
