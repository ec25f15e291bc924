/**
 * Durable Task history events in the wire shape the `durable-functions` replay reads: PascalCase
 * properties, `EventType` numbers of DTFx's HistoryEventType, results as JSON strings.
 */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventRaised: 15,
  ContinueAsNew: 16,
} as const;

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
}

export interface HistoryEvent {
  EventType: number;
  EventId: number;
  Timestamp: Date;
  IsPlayed: boolean;
  Name?: string;
  Input?: string;
  Result?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
}

const event = (type: number, at: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent => ({
  EventType: type,
  EventId: -1,
  Timestamp: at,
  IsPlayed: false,
  ...fields,
});

export const history = {
  executionStarted: (at: Date, name: string, input: string | undefined) =>
    event(EventType.ExecutionStarted, at, { Name: name, Input: input }),
  orchestratorStarted: (at: Date) => event(EventType.OrchestratorStarted, at),
  orchestratorCompleted: (at: Date) => event(EventType.OrchestratorCompleted, at),
  taskScheduled: (at: Date, id: number, name: string, input: string | undefined) =>
    event(EventType.TaskScheduled, at, { EventId: id, Name: name, Input: input }),
  taskCompleted: (at: Date, id: number, result: string | undefined) =>
    event(EventType.TaskCompleted, at, { TaskScheduledId: id, Result: result }),
  taskFailed: (at: Date, id: number, failure: FailureDetails) =>
    event(EventType.TaskFailed, at, {
      TaskScheduledId: id,
      Reason: failure.ErrorMessage,
      Details: failure.ErrorType,
      FailureDetails: failure,
    }),
  subOrchestrationCreated: (
    at: Date,
    id: number,
    name: string,
    instanceId: string,
    input: string | undefined,
  ) =>
    event(EventType.SubOrchestrationInstanceCreated, at, {
      EventId: id,
      Name: name,
      InstanceId: instanceId,
      Input: input,
    }),
  subOrchestrationCompleted: (at: Date, id: number, result: string | undefined) =>
    event(EventType.SubOrchestrationInstanceCompleted, at, { TaskScheduledId: id, Result: result }),
  subOrchestrationFailed: (at: Date, id: number, failure: FailureDetails) =>
    event(EventType.SubOrchestrationInstanceFailed, at, {
      TaskScheduledId: id,
      Reason: failure.ErrorMessage,
      Details: failure.ErrorType,
      FailureDetails: failure,
    }),
  timerCreated: (at: Date, id: number, fireAt: Date) =>
    event(EventType.TimerCreated, at, { EventId: id, FireAt: fireAt.toISOString() }),
  timerFired: (at: Date, id: number, fireAt: string) =>
    event(EventType.TimerFired, at, { TimerId: id, FireAt: fireAt }),
  eventRaised: (at: Date, name: string, input: string | undefined) =>
    event(EventType.EventRaised, at, { Name: name, Input: input }),
  executionTerminated: (at: Date, reason: string) =>
    event(EventType.ExecutionTerminated, at, { Input: JSON.stringify(reason) }),
};

/** Serialises an event for storage; Timestamps become ISO strings. */
export function encodeEvents(events: HistoryEvent[]): string {
  return JSON.stringify(events);
}

/** Reads stored events back, Timestamps as Dates (the replay would otherwise convert them in place). */
export function decodeEvents(json: string): HistoryEvent[] {
  const raw = JSON.parse(json) as Array<Omit<HistoryEvent, 'Timestamp'> & { Timestamp: string }>;
  return raw.map((e) => ({ ...e, Timestamp: new Date(e.Timestamp) }));
}

export function failureFrom(error: unknown): FailureDetails {
  if (error instanceof Error) {
    return { ErrorType: error.name || 'Error', ErrorMessage: error.message, StackTrace: error.stack };
  }
  return { ErrorType: 'Error', ErrorMessage: typeof error === 'string' ? error : JSON.stringify(error) };
}
