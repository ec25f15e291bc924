import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pLimit from 'p-limit';
import type { Clock } from '../clock';
import type { FunctionRegistry } from '../core/registry';
import type { Invoker } from '../invoker';
import { applyRetryEvent, isRetryEvent, openWork, scheduleActions, type Effect } from './episode';
import { EventType, failureFrom, history, type FailureDetails, type HistoryEvent } from './history';
import {
  emptyBook,
  InstanceExistsError,
  TERMINAL,
  type InstanceRecord,
  type InstanceStore,
  type RuntimeStatus,
} from './store';
import {
  completionEventFor,
  InstanceConflictError,
  parseOrchestratorFailure,
  type OrchestratorState,
} from './outcomes';

export { InstanceConflictError };

/**
 * A single-machine Durable Functions backend. It keeps each orchestration instance's history in
 * Table Storage, replays orchestrators through the real `durable-functions` code, turns the actions
 * they return into history and work (activities through a bounded pool, sub-orchestrations,
 * timers), and feeds results back as new episodes until the instance is done.
 */
export interface EngineOptions {
  store: InstanceStore;
  registry: FunctionRegistry;
  invoker: Invoker;
  clock: Clock;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
}

interface Pending {
  event: HistoryEvent;
  inboxKey?: string;
}

interface LiveInstance {
  record: InstanceRecord;
  history: HistoryEvent[];
  pending: Pending[];
  /** Runs a turn even with nothing pending (a new instance, or one recovered mid-episode). */
  needsTurn: boolean;
  turning: boolean;
  timers: Map<number, () => void>;
}

export class DurableEngine {
  private readonly live = new Map<string, LiveInstance>();
  private readonly activityPool: pLimit.Limit;
  private readonly turnPool: pLimit.Limit;
  private readonly events = new EventEmitter();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.activityPool = pLimit(options.maxConcurrentActivities);
    this.turnPool = pLimit(options.maxConcurrentOrchestrations);
    this.events.setMaxListeners(0);
  }

  /** Loads every unfinished instance and resumes its open work (restart safety). */
  async start(): Promise<void> {
    const { store } = this.options;
    const active = await store.list({ statuses: ['Pending', 'Running'] });
    for (const record of active) {
      const events = await store.history(record.instanceId, record.executionId);
      const inbox = await store.inbox(record.instanceId);
      const last = events[events.length - 1];
      const inst: LiveInstance = {
        record,
        history: events,
        pending: inbox.map((i) => ({ event: i.event, inboxKey: i.rowKey })),
        needsTurn: !last || last.EventType !== EventType.OrchestratorCompleted,
        turning: false,
        timers: new Map(),
      };
      this.live.set(record.instanceId, inst);
    }
    for (const inst of [...this.live.values()]) {
      for (const effect of openWork(inst.history)) this.perform(inst, effect, true);
      this.schedule(inst);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const inst of this.live.values()) for (const cancel of inst.timers.values()) cancel();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Creates and starts an instance. Reuses the id of a finished instance, refuses a running one. */
  async startNew(
    name: string,
    input: unknown,
    instanceId: string = randomUUID().replace(/-/g, ''),
  ): Promise<string> {
    const fn = this.options.registry.get(name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      throw Object.assign(new Error(`No orchestrator function named "${name}" is registered.`), {
        code: 'NOT_FOUND',
      });
    }
    const live = this.live.get(instanceId);
    if (live && !TERMINAL.has(live.record.runtimeStatus)) throw new InstanceConflictError(instanceId);
    await this.create(fn.name, instanceId, input === undefined ? undefined : JSON.stringify(input));
    return instanceId;
  }

  async raiseEvent(
    instanceId: string,
    name: string,
    data: unknown,
  ): Promise<'accepted' | 'notFound' | 'gone'> {
    const status = await this.statusOf(instanceId);
    if (!status) return 'notFound';
    if (TERMINAL.has(status)) return 'gone';
    const event = history.eventRaised(
      this.options.clock.now(),
      name,
      data === undefined ? undefined : JSON.stringify(data),
    );
    await this.enqueueDurably(instanceId, event);
    return 'accepted';
  }

  async terminate(instanceId: string, reason: string): Promise<'accepted' | 'notFound' | 'gone'> {
    const status = await this.statusOf(instanceId);
    if (!status) return 'notFound';
    if (TERMINAL.has(status)) return 'gone';
    await this.enqueueDurably(instanceId, history.executionTerminated(this.options.clock.now(), reason));
    return 'accepted';
  }

  async purge(instanceId: string): Promise<boolean> {
    const inst = this.live.get(instanceId);
    if (inst && !TERMINAL.has(inst.record.runtimeStatus)) return false;
    return this.options.store.purge(instanceId);
  }

  getRecord(instanceId: string): Promise<InstanceRecord | undefined> {
    return this.options.store.get(instanceId);
  }

  list(statuses?: RuntimeStatus[]): Promise<InstanceRecord[]> {
    return this.options.store.list({ statuses });
  }

  historyOf(record: InstanceRecord): Promise<HistoryEvent[]> {
    return this.options.store.history(record.instanceId, record.executionId);
  }

  /** Resolves when the instance reaches a terminal status (or is already there). */
  async waitForCompletion(instanceId: string, timeoutMs = 60_000): Promise<InstanceRecord> {
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off(`done:${instanceId}`, onDone);
        reject(new Error(`instance ${instanceId} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      const onDone = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.events.once(`done:${instanceId}`, onDone);
    });
    const record = await this.options.store.get(instanceId);
    if (record && TERMINAL.has(record.runtimeStatus)) {
      this.events.emit(`done:${instanceId}`);
      return record;
    }
    await done;
    return (await this.options.store.get(instanceId)) as InstanceRecord;
  }

  // ---- internals ---------------------------------------------------------------------------

  private async statusOf(instanceId: string): Promise<RuntimeStatus | undefined> {
    const inst = this.live.get(instanceId);
    if (inst) return inst.record.runtimeStatus;
    return (await this.options.store.get(instanceId))?.runtimeStatus;
  }

  private async enqueueDurably(instanceId: string, event: HistoryEvent): Promise<void> {
    const inboxKey = `i-${String(Date.now()).padStart(15, '0')}-${randomUUID()}`;
    await this.options.store.addInbox(instanceId, event, inboxKey);
    const inst = this.live.get(instanceId);
    if (inst) {
      inst.pending.push({ event, inboxKey });
      this.schedule(inst);
    }
  }

  private async create(
    name: string,
    instanceId: string,
    input: string | undefined,
    parent?: { instanceId: string; taskId: number },
  ): Promise<void> {
    const now = this.options.clock.now().toISOString();
    const record: InstanceRecord = {
      instanceId,
      name,
      executionId: randomUUID().replace(/-/g, ''),
      runtimeStatus: 'Pending',
      input,
      output: undefined,
      customStatus: undefined,
      createdTime: now,
      lastUpdatedTime: now,
      parentInstanceId: parent?.instanceId,
      parentTaskId: parent?.taskId,
      book: emptyBook(),
    };
    const started = [history.executionStarted(new Date(now), name, input)];
    try {
      // One round trip in the common case: the id is new.
      await this.options.store.commit(record, started, [], { create: true });
    } catch (e) {
      if (!(e instanceof InstanceExistsError)) throw e;
      // The id was used before: a finished instance gives way, a running one is a conflict.
      const existing = await this.options.store.get(instanceId);
      if (existing && !TERMINAL.has(existing.runtimeStatus)) throw new InstanceConflictError(instanceId);
      await this.options.store.purge(instanceId);
      await this.options.store.commit(record, started, [], { create: true });
    }
    const inst: LiveInstance = {
      record,
      history: started,
      pending: [],
      needsTurn: true,
      turning: false,
      timers: new Map(),
    };
    this.live.set(instanceId, inst);
    this.schedule(inst);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  private schedule(inst: LiveInstance): void {
    if (this.stopped || inst.turning || (!inst.pending.length && !inst.needsTurn)) return;
    inst.turning = true;
    void this.track(
      this.turnPool(() => this.turn(inst))
        .catch((e: unknown) =>
          console.error(`orchestration ${inst.record.instanceId}: episode not saved:`, e),
        )
        .finally(() => {
          inst.turning = false;
          if (this.live.get(inst.record.instanceId) === inst) this.schedule(inst);
        }),
    );
  }

  /** Events for the next episode: a retry event goes alone, so its id allocation stays aligned. */
  private takeBatch(inst: LiveInstance): Pending[] {
    const first = inst.pending[0];
    if (first && isRetryEvent(first.event, inst.record.book)) return inst.pending.splice(0, 1);
    const end = inst.pending.findIndex((p) => isRetryEvent(p.event, inst.record.book));
    return inst.pending.splice(0, end < 0 ? inst.pending.length : end);
  }

  private async turn(inst: LiveInstance): Promise<void> {
    if (this.stopped) return;
    const { record } = inst;
    const now = this.options.clock.now();
    const batch = this.takeBatch(inst);
    inst.needsTurn = false;
    const inboxKeys = batch.flatMap((p) => (p.inboxKey ? [p.inboxKey] : []));
    const terminate = batch.find((p) => p.event.EventType === EventType.ExecutionTerminated);
    if (terminate) {
      const reason = terminate.event.Input ? (JSON.parse(terminate.event.Input) as string) : 'terminated';
      await this.finish(inst, [history.orchestratorStarted(now), terminate.event], inboxKeys, 'Terminated', {
        failure: { ErrorType: 'Terminated', ErrorMessage: reason },
        output: JSON.stringify(reason),
      });
      return;
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

    const fn = this.options.registry.get(record.name);
    let state: OrchestratorState | undefined;
    let failure: FailureDetails | undefined;
    try {
      if (!fn) throw new Error(`No orchestrator function named "${record.name}" is registered.`);
      state = (await this.options.invoker.invoke(fn, this.payload(inst))) as OrchestratorState;
    } catch (e) {
      ({ state, failure } = parseOrchestratorFailure(e));
    }

    let continueAsNew: { input: string | undefined } | undefined;
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
    const newEvents = [...episode, ...after];

    if (failure) {
      await this.finish(inst, newEvents, inboxKeys, 'Failed', { failure });
    } else if (continueAsNew && state?.isDone) {
      await this.continueAsNew(inst, continueAsNew.input, inboxKeys);
    } else if (state?.isDone) {
      const output = state.output === undefined ? undefined : JSON.stringify(state.output);
      await this.finish(inst, newEvents, inboxKeys, 'Completed', { output });
    } else {
      record.lastUpdatedTime = now.toISOString();
      await this.options.store.commit(record, newEvents, inboxKeys);
      for (const effect of effects) this.perform(inst, effect, false);
    }
  }

  private payload(inst: LiveInstance): Record<string, unknown> {
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

  private async finish(
    inst: LiveInstance,
    newEvents: HistoryEvent[],
    inboxKeys: string[],
    status: RuntimeStatus,
    result: { output?: string; failure?: FailureDetails },
  ): Promise<void> {
    const { record } = inst;
    record.runtimeStatus = status;
    record.output = result.output;
    record.failure = result.failure;
    record.lastUpdatedTime = this.options.clock.now().toISOString();
    await this.options.store.commit(record, newEvents, inboxKeys);
    for (const cancel of inst.timers.values()) cancel();
    this.live.delete(record.instanceId);
    this.events.emit(`done:${record.instanceId}`);
    this.notifyParent(record);
  }

  private async continueAsNew(
    inst: LiveInstance,
    input: string | undefined,
    inboxKeys: string[],
  ): Promise<void> {
    const { record } = inst;
    const oldExecution = record.executionId;
    for (const cancel of inst.timers.values()) cancel();
    inst.timers.clear();
    const now = this.options.clock.now();
    record.executionId = randomUUID().replace(/-/g, '');
    record.input = input;
    record.book = emptyBook();
    record.runtimeStatus = 'Running';
    record.lastUpdatedTime = now.toISOString();
    inst.history = [history.executionStarted(now, record.name, input)];
    inst.needsTurn = true;
    await this.options.store.commit(record, inst.history, inboxKeys);
    await this.options.store.deleteExecution(record.instanceId, oldExecution);
  }

  private notifyParent(child: InstanceRecord): void {
    if (!child.parentInstanceId || child.parentTaskId === undefined) return;
    const parent = this.live.get(child.parentInstanceId);
    if (!parent) return;
    parent.pending.push({ event: completionEventFor(child, this.options.clock.now()) });
    this.schedule(parent);
  }

  private perform(inst: LiveInstance, effect: Effect, recovering: boolean): void {
    switch (effect.kind) {
      case 'activity':
        void this.track(this.runActivity(inst, effect));
        return;
      case 'subOrchestration':
        void this.track(
          this.startChild(inst, effect, recovering).catch((e: unknown) =>
            this.deliver(
              inst,
              history.subOrchestrationFailed(this.options.clock.now(), effect.taskId, failureFrom(e)),
            ),
          ),
        );
        return;
      case 'timer': {
        const cancel = this.options.clock.at(effect.fireAt, () => {
          inst.timers.delete(effect.timerId);
          this.deliver(
            inst,
            history.timerFired(this.options.clock.now(), effect.timerId, effect.fireAt.toISOString()),
          );
        });
        inst.timers.set(effect.timerId, cancel);
        return;
      }
    }
  }

  private deliver(inst: LiveInstance, event: HistoryEvent): void {
    if (this.stopped || this.live.get(inst.record.instanceId) !== inst) return;
    inst.pending.push({ event });
    this.schedule(inst);
  }

  private async runActivity(
    inst: LiveInstance,
    effect: Extract<Effect, { kind: 'activity' }>,
  ): Promise<void> {
    const executionId = inst.record.executionId;
    const event = await this.activityPool(async () => {
      if (this.stopped) return undefined;
      const fn = this.options.registry.get(effect.name);
      try {
        if (!fn || fn.trigger.type !== 'activityTrigger') {
          throw new Error(`No activity function named "${effect.name}" is registered.`);
        }
        const input = effect.input === undefined ? undefined : JSON.parse(effect.input);
        const result = await this.options.invoker.invoke(fn, input);
        return history.taskCompleted(this.options.clock.now(), effect.taskId, JSON.stringify(result ?? null));
      } catch (e) {
        return history.taskFailed(this.options.clock.now(), effect.taskId, failureFrom(e));
      }
    });
    if (event && inst.record.executionId === executionId) this.deliver(inst, event);
  }

  private async startChild(
    parent: LiveInstance,
    effect: Extract<Effect, { kind: 'subOrchestration' }>,
    recovering: boolean,
  ): Promise<void> {
    if (recovering) {
      const record =
        this.live.get(effect.instanceId)?.record ?? (await this.options.store.get(effect.instanceId));
      const ours =
        record?.parentInstanceId === parent.record.instanceId && record.parentTaskId === effect.taskId;
      // Created before the restart: it runs on its own; if it already finished, hand its result back now.
      if (record && ours) {
        if (TERMINAL.has(record.runtimeStatus))
          this.deliver(parent, completionEventFor(record, this.options.clock.now()));
        return;
      }
    }
    const fn = this.options.registry.get(effect.name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      throw new Error(`No orchestrator function named "${effect.name}" is registered.`);
    }
    await this.create(fn.name, effect.instanceId, effect.input, {
      instanceId: parent.record.instanceId,
      taskId: effect.taskId,
    });
  }
}
