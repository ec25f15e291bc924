import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pLimit from 'p-limit';
import type { Clock } from '../clock';
import type { FunctionRegistry } from '../core/registry';
import type { Invoker } from '../invoker';
import { openWork, type Effect } from './episode';
import { EventType, failureFrom, history, type HistoryEvent } from './history';
import { WRITE_BEHIND_MS } from './limits';
import { liveInstance, restoreBuffer, takeBuffer, type LiveInstance } from './live';
import { completionEventFor, InstanceConflictError } from './outcomes';
import {
  emptyBook,
  MAX_TX_OPS,
  TERMINAL,
  type InstanceRecord,
  type InstanceStore,
  type RuntimeStatus,
} from './store';
import { decideTurn, runActivity, type Decision } from './turn';
import { createStored, loadInstance, newRecord, saveEpisodes, waitForTerminal } from './saving';

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
    for (const record of active) this.live.set(record.instanceId, await loadInstance(store, record));
    for (const inst of [...this.live.values()]) {
      for (const effect of openWork(inst.history)) this.perform(inst, effect, true);
      this.schedule(inst);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const inst of this.live.values()) {
      for (const cancel of inst.timers.values()) cancel();
      clearTimeout(inst.flushTimer);
    }
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    // What is decided is kept: buffered episodes are committed before the engine goes.
    await Promise.allSettled([...this.live.values()].map((inst) => this.flush(inst)));
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
  waitForCompletion(instanceId: string, timeoutMs = 60_000): Promise<InstanceRecord> {
    return waitForTerminal(this.events, this.options.store, instanceId, timeoutMs);
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

  /**
   * A new instance. One started by a client is stored at once (its status must be readable as soon
   * as startNew answers); a sub-orchestration is stored together with its first episode.
   */
  private async create(
    name: string,
    instanceId: string,
    input: string | undefined,
    parent?: { instanceId: string; taskId: number },
  ): Promise<void> {
    const { record, started } = newRecord(name, instanceId, input, this.options.clock.now(), parent);
    const written = parent ? [] : await createStored(this.options.store, record, started, []);
    const inst = liveInstance(record, started, parent !== undefined);
    inst.executionRows = written;
    this.live.set(instanceId, inst);
    this.schedule(inst);
  }

  private save(
    inst: LiveInstance,
    events: HistoryEvent[],
    inboxKeys: string[],
    dropRows?: string[],
  ): Promise<void> {
    return saveEpisodes(this.options.store, inst, events, inboxKeys, dropRows);
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
      this.turn(inst)
        .catch((e: unknown) =>
          console.error(`orchestration ${inst.record.instanceId}: episode not saved:`, e),
        )
        .finally(() => {
          inst.turning = false;
          if (this.live.get(inst.record.instanceId) === inst) this.schedule(inst);
        }),
    );
  }

  /**
   * One episode: the replay runs in the orchestrator pool (it is the CPU work the pool bounds), the
   * commit outside it, so that many instances' commits can wait together and share transactions.
   */
  private async turn(inst: LiveInstance): Promise<void> {
    const decision = await this.turnPool(() =>
      this.stopped ? undefined : decideTurn(inst, this.options, this.options.clock.now()),
    );
    if (!decision) return;
    try {
      await this.persist(inst, decision);
    } catch (e) {
      if (!inst.unsaved) throw e;
      this.abandon(inst, e);
    }
  }

  private async persist(inst: LiveInstance, decision: Decision): Promise<void> {
    const buffered = takeBuffer(inst);
    const inboxKeys = [...buffered.inboxKeys, ...decision.inboxKeys];
    if (decision.continueAsNew) return this.continueAsNew(inst, decision.continueAsNew.input, inboxKeys);
    const events = [...buffered.events, ...decision.events];
    if (decision.end) return this.finish(inst, events, inboxKeys, decision.end);
    inst.record.lastUpdatedTime = this.options.clock.now().toISOString();
    // Write-behind (see WRITE_BEHIND_MS for why that is safe), counted from the oldest episode
    // waiting, so a run of quick steps is still committed every WRITE_BEHIND_MS.
    const since = buffered.since ?? Date.now();
    const wait = since + WRITE_BEHIND_MS - Date.now();
    // An episode with no work to start (waiting for an event) is committed at once: nothing follows
    // it soon, and its status (Running, a custom status) should be readable. So is one that sets a
    // timer (the timer must be on record before it can fire). A sub-orchestration may start first:
    // it is stored with its parent's id and task id, so a restarted parent finds it (startChild).
    const deferrable =
      decision.effects.length > 0 && decision.effects.every((effect) => effect.kind !== 'timer');
    if (wait > 0 && deferrable) {
      inst.buffer = { events, inboxKeys, since };
      inst.flushTimer = setTimeout(() => void this.track(this.flush(inst)), wait);
    } else {
      try {
        await this.save(inst, events, inboxKeys);
      } catch (e) {
        restoreBuffer(inst, { events, inboxKeys });
        throw e;
      }
    }
    for (const effect of decision.effects) this.perform(inst, effect, false);
  }

  /** Commits buffered episodes of an instance that is waiting (no turn of its own is running). */
  private async flush(inst: LiveInstance): Promise<void> {
    if (inst.turning || !inst.buffer.events.length || this.live.get(inst.record.instanceId) !== inst) return;
    inst.turning = true;
    const taken = takeBuffer(inst);
    try {
      await this.save(inst, taken.events, taken.inboxKeys);
    } catch (e) {
      if (inst.unsaved && e instanceof InstanceConflictError) {
        this.abandon(inst, e);
        return;
      }
      restoreBuffer(inst, taken);
      if (!this.stopped)
        inst.flushTimer = setTimeout(() => void this.track(this.flush(inst)), WRITE_BEHIND_MS);
      console.error(`orchestration ${inst.record.instanceId}: episodes not saved yet:`, e);
    } finally {
      inst.turning = false;
      if (this.live.get(inst.record.instanceId) === inst) this.schedule(inst);
    }
  }

  /** A sub-orchestration that could not be stored (its id is running already) fails in its parent. */
  private abandon(inst: LiveInstance, error: unknown): void {
    const { record } = inst;
    for (const cancel of inst.timers.values()) cancel();
    this.live.delete(record.instanceId);
    const parent = record.parentInstanceId ? this.live.get(record.parentInstanceId) : undefined;
    if (parent && record.parentTaskId !== undefined)
      this.deliver(
        parent,
        history.subOrchestrationFailed(this.options.clock.now(), record.parentTaskId, failureFrom(error)),
      );
  }

  private async finish(
    inst: LiveInstance,
    newEvents: HistoryEvent[],
    inboxKeys: string[],
    end: NonNullable<Decision['end']>,
  ): Promise<void> {
    const { record } = inst;
    record.runtimeStatus = end.status;
    record.output = end.output;
    record.failure = end.failure;
    record.lastUpdatedTime = this.options.clock.now().toISOString();
    await this.save(inst, newEvents, inboxKeys);
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
    record.historyTail = undefined;
    record.runtimeStatus = 'Running';
    record.lastUpdatedTime = now.toISOString();
    inst.history = [history.executionStarted(now, record.name, input)];
    inst.needsTurn = true;
    const stored = !inst.unsaved;
    // The ended execution's rows go in the same transaction when this process knows them all and
    // they fit (history row, state row, inbox rows and these: one entity-group transaction).
    const oldRows = inst.executionRows;
    const inOne = stored && oldRows !== undefined && oldRows.length + inboxKeys.length + 2 <= MAX_TX_OPS;
    inst.executionRows = [];
    await this.save(inst, inst.history, inboxKeys, inOne ? oldRows : undefined);
    // What it started from now on was started by this process: no need to look for it first.
    inst.restored = false;
    if (stored && !inOne) await this.options.store.deleteExecution(record.instanceId, oldExecution);
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
    const event = await this.activityPool(() =>
      this.stopped ? undefined : runActivity(this.options, effect.name, effect.taskId, effect.input),
    );
    if (event && inst.record.executionId === executionId) this.deliver(inst, event);
  }

  private async startChild(
    parent: LiveInstance,
    effect: Extract<Effect, { kind: 'subOrchestration' }>,
    recovering: boolean,
  ): Promise<void> {
    // A parent loaded at start-up may have started this child before the restart even if its stored
    // history does not say so yet (write-behind): look for it as for recorded work.
    if (recovering || parent.restored) {
      const record =
        this.live.get(effect.instanceId)?.record ?? (await this.options.store.get(effect.instanceId));
      const ours = record !== undefined && isChildOf(record, parent.record.instanceId, effect.taskId);
      // Created before the restart: it runs on its own; if it already finished, hand its result back
      // now (unless it did so itself, having finished since the restart).
      if (record && ours) {
        if (TERMINAL.has(record.runtimeStatus) && !hasResultFor(parent, effect.taskId))
          this.deliver(parent, completionEventFor(record, this.options.clock.now()));
        return;
      }
    }
    const fn = this.options.registry.get(effect.name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
      throw new Error(`No orchestrator function named "${effect.name}" is registered.`);
    }
    const running = this.live.get(effect.instanceId);
    if (running && !TERMINAL.has(running.record.runtimeStatus)) {
      // Started before its parent's episode was committed, by the parent's earlier life: it is ours.
      if (isChildOf(running.record, parent.record.instanceId, effect.taskId)) return;
      throw new InstanceConflictError(effect.instanceId);
    }
    await this.create(fn.name, effect.instanceId, effect.input, {
      instanceId: parent.record.instanceId,
      taskId: effect.taskId,
    });
  }
}

function isChildOf(record: InstanceRecord, parentId: string, taskId: number): boolean {
  return record.parentInstanceId === parentId && record.parentTaskId === taskId;
}

/** Whether a sub-orchestration's completion or failure already reached its parent. */
function hasResultFor(parent: LiveInstance, taskId: number): boolean {
  const isResult = (e: HistoryEvent): boolean =>
    (e.EventType === EventType.SubOrchestrationInstanceCompleted ||
      e.EventType === EventType.SubOrchestrationInstanceFailed) &&
    e.TaskScheduledId === taskId;
  return parent.pending.some((p) => isResult(p.event)) || parent.history.some(isResult);
}
