import * as df from 'durable-functions';
import type { FunctionInput, InvocationContext } from '@azure/functions';
import type { OrchestrationContext, Task } from 'durable-functions';
import type {
  ActivityInput,
  ActivityName,
  ActivityOutput,
  OrchestrationName,
  OrchestrationOutput,
} from './contracts';

/**
 * Registration typed by the contracts (contracts.ts): an activity's handler takes its contract's
 * input and returns its output, an orchestrator returns its contract's output, so a step whose
 * contract changed no longer compiles where it is registered.
 */
export function registerActivity<N extends ActivityName>(
  name: N,
  handler: (input: ActivityInput<N>, context: InvocationContext) => Promise<ActivityOutput<N>>,
  options: { extraInputs?: FunctionInput[] } = {},
): void {
  df.app.activity(name, {
    ...options,
    handler: (input: ActivityInput<N>, context) => handler(input, context),
  });
}

export function registerOrchestration<N extends OrchestrationName>(
  name: N,
  orchestrator: (context: OrchestrationContext) => Generator<Task, OrchestrationOutput<N>, unknown>,
): void {
  df.app.orchestration(name, orchestrator);
}
