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
  timers: Map<number, () => void>;
}

export function liveInstance(record: InstanceRecord, history: HistoryEvent[], unsaved = false): LiveInstance {
  return { record, history, pending: [], needsTurn: true, turning: false, unsaved, timers: new Map() };
}
