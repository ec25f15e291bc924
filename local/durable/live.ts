import type { HistoryEvent } from './history';
import type { InstanceRecord } from './store';

/** An event waiting for the instance's next episode; `inboxKey` when it is stored in its inbox. */
export interface Pending {
  event: HistoryEvent;
  inboxKey?: string;
}

/**
 * An instance the engine is running, kept in memory between its episodes (the store stays the
 * source of truth: every episode is committed before any of its work starts).
 */
export interface LiveInstance {
  record: InstanceRecord;
  history: HistoryEvent[];
  pending: Pending[];
  /** Runs a turn even with nothing pending (a new instance, or one recovered mid-episode). */
  needsTurn: boolean;
  turning: boolean;
  /**
   * A sub-orchestration not stored yet: its creation is committed together with its first
   * episode (its parent's history records the creation, so a crash before that commit loses nothing).
   */
  unsaved: boolean;
  /** Episodes decided and acted on but not committed yet (write-behind; see limits.ts). */
  buffer: Buffered;
  flushTimer?: NodeJS.Timeout;
  /**
   * The current execution's history rows, when this process wrote all of them: a continue-as-new
   * then deletes them in its own commit instead of querying for them afterwards.
   */
  executionRows?: string[];
  /**
   * Loaded from the store at start-up: its stored history may lag what it did before the restart
   * (write-behind), so a sub-orchestration it starts may exist already and is checked first.
   */
  restored: boolean;
  timers: Map<number, () => void>;
}

export interface Buffered {
  events: HistoryEvent[];
  inboxKeys: string[];
  /** When the oldest buffered episode was decided (ms since the epoch, process time). */
  since?: number;
}

export function liveInstance(record: InstanceRecord, history: HistoryEvent[], unsaved = false): LiveInstance {
  return {
    record,
    history,
    pending: [],
    needsTurn: true,
    turning: false,
    unsaved,
    // A new sub-orchestration's start is committed with its first episode.
    buffer: { events: unsaved ? [...history] : [], inboxKeys: [] },
    executionRows: [],
    restored: false,
    timers: new Map(),
  };
}

/** Takes what is buffered (and stops its flush timer). */
export function takeBuffer(inst: LiveInstance): Buffered {
  const taken = inst.buffer;
  inst.buffer = { events: [], inboxKeys: [] };
  if (inst.flushTimer) clearTimeout(inst.flushTimer);
  inst.flushTimer = undefined;
  return taken;
}

/** Puts back what a failed commit took, ahead of anything buffered since. */
export function restoreBuffer(inst: LiveInstance, taken: Buffered): void {
  inst.buffer = {
    events: [...taken.events, ...inst.buffer.events],
    inboxKeys: [...taken.inboxKeys, ...inst.buffer.inboxKeys],
    since: taken.since ?? inst.buffer.since,
  };
}
