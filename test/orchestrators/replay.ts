import { InvocationContext } from '@azure/functions';
import { functionsCore } from '../../local/core/core-api';
import { flattenActions, type OrchestratorAction } from '../../local/durable/actions';
import { history, type HistoryEvent } from '../../local/durable/history';

/**
 * Replays a registered orchestrator over a synthetic history, as the Durable extension would call
 * it, and returns what it decided: done or not, its output and every action in yield order.
 */
export interface Decision {
  isDone: boolean;
  output: unknown;
  actions: OrchestratorAction[];
}

export async function replay(
  name: string,
  instanceId: string,
  input: unknown,
  events: HistoryEvent[],
): Promise<Decision> {
  const fn = functionsCore.registry.get(name);
  if (!fn) throw new Error(`orchestrator ${name} is not registered`);
  const state = (await fn.handler(
    {
      history: events,
      input,
      instanceId,
      isReplaying: false,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      maximumShortTimerDuration: '3650.00:00:00',
      longRunningTimerIntervalDuration: '3.00:00:00',
    },
    new InvocationContext({ functionName: name }),
  )) as { isDone: boolean; output: unknown; actions: unknown };
  return { isDone: state.isDone, output: state.output, actions: flattenActions(state.actions) };
}

/** Builds a history episode by episode, numbering task ids the way the replay does. */
export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private clock = Date.parse('2026-03-01T08:00:00Z');

  constructor(name: string, input: unknown) {
    const at = this.tick();
    this.events.push(
      history.orchestratorStarted(at),
      history.executionStarted(at, name, JSON.stringify(input)),
    );
  }

  private tick(): Date {
    this.clock += 1000;
    return new Date(this.clock);
  }

  /** Closes the current episode and opens the next, with the results that arrived in between. */
  episode(...arrivals: Array<(at: Date) => HistoryEvent>): this {
    const at = this.tick();
    this.events.push(
      history.orchestratorCompleted(at),
      history.orchestratorStarted(at),
      ...arrivals.map((a) => a(at)),
    );
    return this;
  }

  scheduled(...scheduled: Array<(at: Date) => HistoryEvent>): this {
    const at = new Date(this.clock);
    this.events.push(...scheduled.map((s) => s(at)));
    return this;
  }
}

export const json = (v: unknown): string => JSON.stringify(v);
