import type { OrchestrationInput, OrchestrationName } from './contracts';

/**
 * What the domain needs of the durable client, and nothing more: start a named orchestration under
 * an instance id, signal it, and ask whether it is still running. Triggers adapt the real
 * `df.DurableClient` to this (functions/durable-port.ts), so shared/ stays free of host types and
 * the lifecycle can be tested without a host.
 */
export interface OrchestrationPort {
  /** Starts `name` with the input its contract (contracts.ts) says. */
  start<N extends OrchestrationName>(
    name: N,
    instanceId: string,
    input: OrchestrationInput<N>,
  ): Promise<void>;
  raiseEvent(instanceId: string, event: string, data: unknown): Promise<void>;
  /** True while the instance is Running or Pending; false when it ended or never started. */
  isRunning(instanceId: string): Promise<boolean>;
}
