import type { Clock } from '../clock';
import type { Invoker } from '../invoker';
import type { FunctionRegistry } from '../core/registry';
import { applyRetryEvent, isRetryEvent, scheduleActions, type Effect } from './episode';
import { EventType, failureFrom, history, type FailureDetails, type HistoryEvent } from './history';
import type { LiveInstance, Pending } from './live';
import { parseOrchestratorFailure, type OrchestratorState } from './outcomes';
import type { RuntimeStatus } from './store';

/**
 * One orchestrator episode, decided in memory: the events that arrived go into history, the real
 * `durable-functions` replay runs over it, and its actions become new history and work. Nothing is
 * stored here; the engine commits the decision before it starts any of the work.
 */
export interface Decision {
  /** The episode's new history events (all of them, also for an instance that ends). */
  events: HistoryEvent[];
  inboxKeys: string[];
  effects: Effect[];
  end?: { status: RuntimeStatus; output?: string; failure?: FailureDetails };
  continueAsNew?: { input: string | undefined };
}

export interface TurnDeps {
  registry: FunctionRegistry;
  invoker: Invoker;
  clock: Clock;
}

/** Runs one activity; its result or failure as the history event that reports it. */
export async function runActivity(
  deps: TurnDeps,
  name: string,
  taskId: number,
  input: string | undefined,
): Promise<HistoryEvent> {
  const fn = deps.registry.get(name);
  try {
    if (!fn || fn.trigger.type !== 'activityTrigger') {
      throw new Error(`No activity function named "${name}" is registered.`);
    }
    const result = await deps.invoker.invoke(fn, input === undefined ? undefined : JSON.parse(input));
    return history.taskCompleted(deps.clock.now(), taskId, JSON.stringify(result ?? null));
  } catch (e) {
    return history.taskFailed(deps.clock.now(), taskId, failureFrom(e));
  }
}

/** Events for the next episode: a retry event goes alone, so its id allocation stays aligned. */
export function takeBatch(inst: LiveInstance): Pending[] {
  const first = inst.pending[0];
  if (first && isRetryEvent(first.event, inst.record.book)) return inst.pending.splice(0, 1);
  const end = inst.pending.findIndex((p) => isRetryEvent(p.event, inst.record.book));
  return inst.pending.splice(0, end < 0 ? inst.pending.length : end);
}

export async function decideTurn(inst: LiveInstance, deps: TurnDeps, now: Date): Promise<Decision> {
  const { record } = inst;
  const batch = takeBatch(inst);
  inst.needsTurn = false;
  const inboxKeys = batch.flatMap((p) => (p.inboxKey ? [p.inboxKey] : []));
  const terminate = batch.find((p) => p.event.EventType === EventType.ExecutionTerminated);
  if (terminate) {
    const reason = terminate.event.Input ? (JSON.parse(terminate.event.Input) as string) : 'terminated';
    return {
      events: [history.orchestratorStarted(now), terminate.event],
      inboxKeys,
      effects: [],
      end: {
        status: 'Terminated',
        failure: { ErrorType: 'Terminated', ErrorMessage: reason },
        output: JSON.stringify(reason),
      },
    };
  }

  const episode: HistoryEvent[] = [history.orchestratorStarted(now)];
  const effects: Effect[] = [];
  const after: HistoryEvent[] = [];
  for (const p of batch) {
    episode.push(p.event);
    if (isRetryEvent(p.event, record.book)) {
      const retry = applyRetryEvent(p.event, record.book, now);
      after.push(...retry.events);
      effects.push(...retry.effects);
    }
  }
  inst.history.push(...episode);
  if (record.runtimeStatus === 'Pending') record.runtimeStatus = 'Running';

  const { state, failure: thrown } = await replay(inst, deps);
  let failure = thrown;
  let continueAsNew: Decision['continueAsNew'];
  if (state) {
    try {
      const work = scheduleActions(record.instanceId, state.actions, record.book, now);
      after.push(...work.events);
      effects.push(...work.effects);
      continueAsNew = work.continueAsNew;
    } catch (e) {
      failure = failureFrom(e);
    }
    if (state.customStatus !== undefined) record.customStatus = JSON.stringify(state.customStatus);
  }
  after.push(history.orchestratorCompleted(now));
  inst.history.push(...after);
  const events = [...episode, ...after];

  if (failure) return { events, inboxKeys, effects: [], end: { status: 'Failed', failure } };
  if (continueAsNew && state?.isDone) return { events, inboxKeys, effects: [], continueAsNew };
  if (state?.isDone) {
    const output = state.output === undefined ? undefined : JSON.stringify(state.output);
    return { events, inboxKeys, effects: [], end: { status: 'Completed', output } };
  }
  return { events, inboxKeys, effects };
}

async function replay(
  inst: LiveInstance,
  deps: TurnDeps,
): Promise<{ state?: OrchestratorState; failure?: FailureDetails }> {
  const fn = deps.registry.get(inst.record.name);
  try {
    if (!fn) throw new Error(`No orchestrator function named "${inst.record.name}" is registered.`);
    return { state: (await deps.invoker.invoke(fn, payload(inst))) as OrchestratorState };
  } catch (e) {
    return parseOrchestratorFailure(e);
  }
}

function payload(inst: LiveInstance): Record<string, unknown> {
  const { record } = inst;
  return {
    history: inst.history,
    input: record.input === undefined ? undefined : JSON.parse(record.input),
    instanceId: record.instanceId,
    isReplaying: false,
    parentInstanceId: record.parentInstanceId,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    // Table Storage here has no limit on timer length, so every timer is a short one.
    maximumShortTimerDuration: '3650.00:00:00',
    longRunningTimerIntervalDuration: '3.00:00:00',
  };
}
