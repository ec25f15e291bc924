import type { RetryOptionsWire } from './store';

/**
 * The actions an orchestrator returns (schema V2+): `[[...]]`, with Task.all / Task.any as compound
 * actions holding their children. Flattened depth-first, the n-th leaf that takes a sequence number
 * is task id n in yield order; waits for external events are keyed by name and take none.
 */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
} as const;

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: Date | string;
  externalEventName?: string;
  retryOptions?: RetryOptionsWire;
  compoundActions?: OrchestratorAction[];
}

export function flattenActions(actions: unknown): OrchestratorAction[] {
  const out: OrchestratorAction[] = [];
  // A sliding window yields Task.any over tasks that are already running: the compound repeats
  // their actions. Each task carries one action object, so identity tells a repeat from a new call.
  const seen = new Set<OrchestratorAction>();
  const walk = (list: OrchestratorAction[]): void => {
    for (const a of list) {
      if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny)
        walk(a.compoundActions ?? []);
      else if (!seen.has(a)) {
        seen.add(a);
        out.push(a);
      }
    }
  };
  const outer = Array.isArray(actions) ? (actions as unknown[]) : [];
  for (const group of outer)
    walk(Array.isArray(group) ? (group as OrchestratorAction[]) : [group as OrchestratorAction]);
  return out;
}

/** Whether the action takes a task id from the replay's sequence. */
export function takesSequenceNumber(a: OrchestratorAction): boolean {
  return a.actionType !== ActionType.WaitForExternalEvent;
}

/** A compact description used to detect a replay that schedules something other than its history. */
export function signatureOf(a: OrchestratorAction): string {
  switch (a.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return `activity:${a.functionName}`;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return `orchestration:${a.functionName}`;
    case ActionType.CreateTimer:
      return 'timer';
    case ActionType.WaitForExternalEvent:
      return `event:${a.externalEventName}`;
    case ActionType.ContinueAsNew:
      return 'continueAsNew';
    default:
      return `unsupported:${a.actionType}`;
  }
}

export function describeSignature(sig: string): string {
  const [kind, name] = sig.split(':');
  switch (kind) {
    case 'activity':
      return `call activity "${name}"`;
    case 'orchestration':
      return `call sub-orchestration "${name}"`;
    case 'event':
      return `wait for event "${name}"`;
    case 'timer':
      return 'create a timer';
    default:
      return sig;
  }
}

/**
 * Inputs of activities and continue-as-new arrive already JSON-encoded when they were strings
 * (durable-functions' `Utils.processInput`); sub-orchestration inputs arrive raw. Returns the
 * JSON text the history stores.
 */
export function inputJson(a: OrchestratorAction): string | undefined {
  if (a.input === undefined) return undefined;
  const preEncoded =
    typeof a.input === 'string' &&
    (a.actionType === ActionType.CallActivity ||
      a.actionType === ActionType.CallActivityWithRetry ||
      a.actionType === ActionType.ContinueAsNew);
  return preEncoded ? (a.input as string) : JSON.stringify(a.input);
}

/** Delay before retry attempt `attempt + 1`, as Durable Functions computes it. */
export function retryDelayMs(options: RetryOptionsWire, attempt: number): number {
  const base =
    options.firstRetryIntervalInMilliseconds * Math.pow(options.backoffCoefficient ?? 1, attempt - 1);
  return Math.min(base, options.maxRetryIntervalInMilliseconds ?? Number.MAX_SAFE_INTEGER);
}
