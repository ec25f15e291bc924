import type { ForwardingOutcome } from '../cutover/forwarding';
import type {
  BatchOutcome,
  BatchPlan,
  BatchRunInput,
  BatchWarningInput,
  BeginBatchInput,
  ChunkInput,
  ChunkResult,
  ClaimInput,
  EndBatchInput,
  MailboxOutcome,
  MailboxRunInput,
  PimChunkInput,
  PimChunkOutcome,
  ProvisionInput,
  ProvisionLook,
  ReportInput,
  SlotInput,
  SlotOutcome,
  StepResult,
  ACTIVITIES,
  ORCHESTRATIONS,
} from './names';
import type { PlanPageResult, PlanRunInput } from './plan-names';

/**
 * Every activity's input and output, written once. The orchestrators call activities through
 * shared/workflow/calls.ts and the activities register through shared/workflow/register.ts, both
 * typed from this map: a contract that changes here fails the typecheck on both sides.
 * `void` outputs are steps whose result the orchestrator does not read.
 */
export interface ActivityContracts {
  beginBatch: { input: BeginBatchInput; output: BatchPlan };
  planBatchCopy: { input: BeginBatchInput; output: BatchPlan };
  storeStagedSecrets: { input: { batchId: string; from: number }; output: { next: number; done: boolean } };
  claimMailbox: { input: ClaimInput; output: { email?: string } };
  stopBatchRun: { input: { batchId: string; runId: string }; output: void };
  endBatch: { input: EndBatchInput; output: BatchOutcome };
  writeBatchReport: { input: ReportInput; output: { blobs: string[] } };
  recordBatchWarning: { input: BatchWarningInput; output: void };
  writeCutoverPack: { input: BatchRunInput; output: { files: string[]; ready: boolean } };
  removeBatchData: { input: string; output: void };
  beginMailbox: { input: MailboxRunInput; output: void };
  provisionTarget: { input: ProvisionInput; output: ProvisionLook };
  setForwarding: { input: MailboxRunInput; output: ForwardingOutcome };
  copyMailboxChunk: { input: ChunkInput; output: ChunkResult };
  copyPimChunk: { input: PimChunkInput; output: StepResult<PimChunkOutcome> };
  endMailbox: { input: MailboxOutcome; output: void };
  planBatchPage: { input: PlanRunInput; output: PlanPageResult };
}

/** Every orchestration's input (what it is started with) and output (what its caller gets back). */
export interface OrchestrationContracts {
  migrateBatch: { input: BatchRunInput; output: BatchOutcome };
  migrateBatchSlot: { input: SlotInput; output: SlotOutcome };
  provisionMailbox: { input: MailboxRunInput; output: ProvisionLook };
  migrateMailbox: { input: MailboxRunInput; output: MailboxOutcome };
  removeBatch: { input: string; output: void };
  planBatch: { input: PlanRunInput; output: void };
}

export type ActivityName = keyof ActivityContracts;
export type ActivityInput<N extends ActivityName> = ActivityContracts[N]['input'];
export type ActivityOutput<N extends ActivityName> = ActivityContracts[N]['output'];

export type OrchestrationName = keyof OrchestrationContracts;
export type OrchestrationInput<N extends OrchestrationName> = OrchestrationContracts[N]['input'];
export type OrchestrationOutput<N extends OrchestrationName> = OrchestrationContracts[N]['output'];

// Every name has a contract and every contract a name: a step added on one side only fails here.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
const everyActivityHasAContract: SameKeys<typeof ACTIVITIES, ActivityContracts> = true;
const everyOrchestrationHasAContract: SameKeys<typeof ORCHESTRATIONS, OrchestrationContracts> = true;
void everyActivityHasAContract;
void everyOrchestrationHasAContract;
