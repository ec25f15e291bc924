import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { EventType, history, type HistoryEvent } from './history';
import { liveInstance, type LiveInstance } from './live';
import { InstanceConflictError } from './outcomes';
import { emptyBook, InstanceExistsError, TERMINAL, type InstanceRecord, type InstanceStore } from './store';

/** How the engine reads and writes instances: creation (with its id check), episodes, recovery. */

export function newRecord(
  name: string,
  instanceId: string,
  input: string | undefined,
  now: Date,
  parent?: { instanceId: string; taskId: number },
): { record: InstanceRecord; started: HistoryEvent[] } {
  const at = now.toISOString();
  const record: InstanceRecord = {
    instanceId,
    name,
    executionId: randomUUID().replace(/-/g, ''),
    runtimeStatus: 'Pending',
    input,
    output: undefined,
    customStatus: undefined,
    createdTime: at,
    lastUpdatedTime: at,
    parentInstanceId: parent?.instanceId,
    parentTaskId: parent?.taskId,
    book: emptyBook(),
  };
  return { record, started: [history.executionStarted(new Date(at), name, input)] };
}

/** Stores a new instance; a finished instance of the same id gives way, a running one is a conflict. */
export async function createStored(
  store: InstanceStore,
  record: InstanceRecord,
  events: HistoryEvent[],
  inboxKeys: string[],
): Promise<string[]> {
  try {
    // One round trip in the common case: the id is new.
    return await store.commit(record, events, inboxKeys, { create: true });
  } catch (e) {
    if (!(e instanceof InstanceExistsError)) throw e;
    const existing = await store.get(record.instanceId);
    if (existing && !TERMINAL.has(existing.runtimeStatus)) throw new InstanceConflictError(record.instanceId);
    await store.purge(record.instanceId);
    return store.commit(record, events, inboxKeys, { create: true });
  }
}

/**
 * Commits episodes; for a sub-orchestration's first one, together with its creation. Keeps the
 * list of the execution's history rows up to date (unknown after a failed commit: a commit whose
 * reply was lost may have written its row all the same).
 */
export async function saveEpisodes(
  store: InstanceStore,
  inst: LiveInstance,
  events: HistoryEvent[],
  inboxKeys: string[],
  dropRows?: string[],
): Promise<void> {
  try {
    const written = inst.unsaved
      ? await createStored(store, inst.record, events, inboxKeys)
      : await store.commit(inst.record, events, inboxKeys, { dropRows });
    inst.unsaved = false;
    inst.executionRows?.push(...written);
  } catch (e) {
    inst.executionRows = undefined;
    throw e;
  }
}

/** An unfinished instance as stored, ready to resume: its history, and its inbox as pending events. */
export async function loadInstance(store: InstanceStore, record: InstanceRecord): Promise<LiveInstance> {
  const events = await store.history(record.instanceId, record.executionId);
  const inbox = await store.inbox(record.instanceId);
  const last = events[events.length - 1];
  const inst = liveInstance(record, events);
  // Its history rows were written before this process: found by a query when the execution ends.
  inst.executionRows = undefined;
  inst.restored = true;
  inst.pending = inbox.map((i) => ({ event: i.event, inboxKey: i.rowKey }));
  // Stored mid-episode (or never turned): run a turn even with nothing pending.
  inst.needsTurn = !last || last.EventType !== EventType.OrchestratorCompleted;
  return inst;
}

/** Resolves with the stored record once `done:<id>` is emitted, or at once if it is terminal already. */
export async function waitForTerminal(
  events: EventEmitter,
  store: InstanceStore,
  instanceId: string,
  timeoutMs: number,
): Promise<InstanceRecord> {
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      events.off(`done:${instanceId}`, onDone);
      reject(new Error(`instance ${instanceId} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const onDone = (): void => {
      clearTimeout(timer);
      resolve();
    };
    events.once(`done:${instanceId}`, onDone);
  });
  const record = await store.get(instanceId);
  if (record && TERMINAL.has(record.runtimeStatus)) {
    events.emit(`done:${instanceId}`);
    return record;
  }
  await done;
  return (await store.get(instanceId)) as InstanceRecord;
}
