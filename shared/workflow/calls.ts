import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type {
  ActivityInput,
  ActivityName,
  ActivityOutput,
  OrchestrationInput,
  OrchestrationName,
  OrchestrationOutput,
} from './contracts';
import type { RetryPolicy } from './retry-policy';

/**
 * The orchestrators' typed calls. Each is a generator used with `yield*`: it yields the durable
 * task (so replay sees exactly the action `context.df` would schedule) and returns the result typed
 * by the step's contract (contracts.ts). The one place where an activity's result, which the
 * durable runtime hands back untyped, is read as its contract says.
 */
export function* callActivity<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  input: ActivityInput<N>,
): Generator<Task, ActivityOutput<N>, unknown> {
  return (yield context.df.callActivity(name, input)) as ActivityOutput<N>;
}

/** As callActivity, retried by the durable runtime under a named policy (retry-policy.ts). */
export function* callActivityWithRetry<N extends ActivityName>(
  context: OrchestrationContext,
  name: N,
  policy: RetryPolicy,
  input: ActivityInput<N>,
): Generator<Task, ActivityOutput<N>, unknown> {
  return (yield context.df.callActivityWithRetry(name, retryOptions(policy), input)) as ActivityOutput<N>;
}

/** A sub-orchestration under its own instance id, waited for. */
export function* callSubOrchestrator<N extends OrchestrationName>(
  context: OrchestrationContext,
  name: N,
  input: OrchestrationInput<N>,
  instanceId: string,
): Generator<Task, OrchestrationOutput<N>, unknown> {
  return (yield subOrchestration(context, name, input, instanceId)) as OrchestrationOutput<N>;
}

/** A sub-orchestration's task, not yet waited for (for a window of them raced with firstOf). */
export function subOrchestration<N extends OrchestrationName>(
  context: OrchestrationContext,
  name: N,
  input: OrchestrationInput<N>,
  instanceId: string,
): Task {
  return context.df.callSubOrchestrator(name, input, instanceId);
}

/** Waits for the first of `tasks` to finish and returns that task. */
export function* firstOf(context: OrchestrationContext, tasks: Task[]): Generator<Task, Task, unknown> {
  return (yield context.df.Task.any(tasks)) as Task;
}

/** The input the orchestration was started with, as its contract says. */
export function orchestrationInput<N extends OrchestrationName>(
  context: OrchestrationContext,
  _name: N,
): OrchestrationInput<N> {
  return context.df.getInput() as OrchestrationInput<N>;
}

/** The durable runtime's form of a named policy. */
export function retryOptions(policy: RetryPolicy): df.RetryOptions {
  const options = new df.RetryOptions(policy.firstRetryIntervalMs, policy.maxNumberOfAttempts);
  if (policy.backoffCoefficient !== undefined) options.backoffCoefficient = policy.backoffCoefficient;
  return options;
}
