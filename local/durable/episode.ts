import {
  ActionType,
  describeSignature,
  flattenActions,
  inputJson,
  retryDelayMs,
  signatureOf,
  takesSequenceNumber,
  type OrchestratorAction,
} from './actions';
import { EventType, history, type HistoryEvent } from './history';
import type { Bookkeeping, RetryState } from './store';

/**
 * The engine's half of an orchestration episode, kept free of I/O: given the events that arrived
 * and the actions the replay returned, it says which history events to append and which work to
 * start. Task ids follow the replay's own numbering (see actions.ts), including the ids the
 * replay allocates for retry timers and retry attempts.
 */
export type Effect =
  | { kind: 'activity'; taskId: number; name: string; input: string | undefined }
  | { kind: 'subOrchestration'; taskId: number; name: string; instanceId: string; input: string | undefined }
  | { kind: 'timer'; timerId: number; fireAt: Date };

export class NondeterminismError extends Error {
  constructor(instanceId: string, step: number, expected: string, actual: string | undefined) {
    super(
      `Non-deterministic orchestration detected in instance "${instanceId}" at step ${step}: its history ` +
        `says it would ${describeSignature(expected)}, but the replay ` +
        (actual ? `now asks to ${describeSignature(actual)}` : 'no longer schedules it') +
        '. Orchestrator code must make the same calls in the same order on every replay; ' +
        'deploy code changes only when no instance of this orchestration is running, or give the new code a new name.',
    );
    this.name = 'NondeterminismError';
  }
}

export class UnsupportedActionError extends Error {
  constructor(action: OrchestratorAction) {
    super(
      `The embedded runtime does not support action type ${action.actionType} ` +
        '(durable entities and durable HTTP calls). Use activities instead.',
    );
    this.name = 'UnsupportedActionError';
  }
}

/** True when the replay allocates a task id while processing this event (retry bookkeeping). */
export function isRetryEvent(event: HistoryEvent, book: Bookkeeping): boolean {
  if (
    event.EventType === EventType.TaskFailed ||
    event.EventType === EventType.SubOrchestrationInstanceFailed
  ) {
    return String(event.TaskScheduledId) in book.retries;
  }
  if (event.EventType === EventType.TimerFired) return String(event.TimerId) in book.retryTimers;
  return false;
}

/**
 * Retry bookkeeping for one arriving event, applied before the replay runs. Each such event is
 * replayed in an episode of its own, so the id handed out here is exactly the one the replay
 * allocates when it processes the event.
 */
export function applyRetryEvent(
  event: HistoryEvent,
  book: Bookkeeping,
  now: Date,
): { events: HistoryEvent[]; effects: Effect[] } {
  if (event.EventType === EventType.TimerFired) {
    const key = String(event.TimerId);
    const state = book.retryTimers[key];
    delete book.retryTimers[key];
    if (!state || state.exhausted) return { events: [], effects: [] };
    const id = book.nextEventId++;
    const next: RetryState = { ...state, attempt: state.attempt + 1 };
    book.retries[String(id)] = next;
    if (state.kind === 'activity') {
      return {
        events: [history.taskScheduled(now, id, state.name, state.input)],
        effects: [{ kind: 'activity', taskId: id, name: state.name, input: state.input }],
      };
    }
    const instanceId = `${state.instanceId}#${next.attempt}`;
    return {
      events: [history.subOrchestrationCreated(now, id, state.name, instanceId, state.input)],
      effects: [{ kind: 'subOrchestration', taskId: id, name: state.name, instanceId, input: state.input }],
    };
  }
  const key = String(event.TaskScheduledId);
  const state = book.retries[key];
  delete book.retries[key];
  if (!state) return { events: [], effects: [] };
  const elapsed = now.getTime() - new Date(state.firstAttemptAt).getTime();
  const timedOut =
    state.options.retryTimeoutInMilliseconds !== undefined &&
    elapsed > state.options.retryTimeoutInMilliseconds;
  const exhausted = state.attempt >= state.options.maxNumberOfAttempts || timedOut;
  const timerId = book.nextEventId++;
  const fireAt = new Date(now.getTime() + (exhausted ? 0 : retryDelayMs(state.options, state.attempt)));
  book.retryTimers[String(timerId)] = { ...state, exhausted };
  return {
    events: [history.timerCreated(now, timerId, fireAt)],
    effects: [{ kind: 'timer', timerId, fireAt }],
  };
}

export interface ScheduledWork {
  events: HistoryEvent[];
  effects: Effect[];
  continueAsNew?: { input: string | undefined };
}

/**
 * Turns the replay's actions into new history and work. Actions already in history must match
 * their recorded signatures; anything else is a nondeterminism error naming the step.
 */
export function scheduleActions(
  instanceId: string,
  actions: unknown,
  book: Bookkeeping,
  now: Date,
): ScheduledWork {
  const leaves = flattenActions(actions);
  const known = book.signatures.length;
  for (let i = 0; i < known; i++) {
    const leaf = leaves[i];
    const expected = book.signatures[i] as string;
    if (!leaf) break; // the orchestrator finished or failed before reaching this step again
    const actual = signatureOf(leaf);
    if (actual !== expected) throw new NondeterminismError(instanceId, i, expected, actual);
  }
  const work: ScheduledWork = { events: [], effects: [] };
  for (const leaf of leaves.slice(known)) {
    book.signatures.push(signatureOf(leaf));
    const id = takesSequenceNumber(leaf) ? book.nextEventId++ : -1;
    const input = inputJson(leaf);
    switch (leaf.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const name = leaf.functionName as string;
        work.events.push(history.taskScheduled(now, id, name, input));
        work.effects.push({ kind: 'activity', taskId: id, name, input });
        if (leaf.retryOptions) {
          book.retries[String(id)] = retryState('activity', name, input, undefined, leaf, now);
        }
        break;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = leaf.functionName as string;
        const childId = leaf.instanceId ?? `${instanceId}:${id}`;
        work.events.push(history.subOrchestrationCreated(now, id, name, childId, input));
        work.effects.push({ kind: 'subOrchestration', taskId: id, name, instanceId: childId, input });
        if (leaf.retryOptions) {
          book.retries[String(id)] = retryState('subOrchestration', name, input, childId, leaf, now);
        }
        break;
      }
      case ActionType.CreateTimer: {
        const fireAt = new Date(leaf.fireAt as Date | string);
        work.events.push(history.timerCreated(now, id, fireAt));
        work.effects.push({ kind: 'timer', timerId: id, fireAt });
        break;
      }
      case ActionType.WaitForExternalEvent:
        break;
      case ActionType.ContinueAsNew:
        work.continueAsNew = { input };
        break;
      default:
        throw new UnsupportedActionError(leaf);
    }
  }
  return work;
}

function retryState(
  kind: RetryState['kind'],
  name: string,
  input: string | undefined,
  instanceId: string | undefined,
  leaf: OrchestratorAction,
  now: Date,
): RetryState {
  return {
    kind,
    name,
    input,
    instanceId,
    attempt: 1,
    firstAttemptAt: now.toISOString(),
    options: leaf.retryOptions as RetryState['options'],
  };
}

/** Work scheduled in history that has not completed: what a restarted host must resume. */
export function openWork(events: HistoryEvent[]): Effect[] {
  const open = new Map<number, Effect>();
  for (const e of events) {
    switch (e.EventType) {
      case EventType.TaskScheduled:
        open.set(e.EventId, { kind: 'activity', taskId: e.EventId, name: e.Name as string, input: e.Input });
        break;
      case EventType.SubOrchestrationInstanceCreated:
        open.set(e.EventId, {
          kind: 'subOrchestration',
          taskId: e.EventId,
          name: e.Name as string,
          instanceId: e.InstanceId as string,
          input: e.Input,
        });
        break;
      case EventType.TimerCreated:
        open.set(e.EventId, { kind: 'timer', timerId: e.EventId, fireAt: new Date(e.FireAt as string) });
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        open.delete(e.TaskScheduledId as number);
        break;
      case EventType.TimerFired:
        open.delete(e.TimerId as number);
        break;
    }
  }
  return [...open.values()];
}
