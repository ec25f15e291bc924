import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { tableClient, type StorageSettings } from '../storage/clients';
import { MailError, MailErrorCode } from './errors';
import { FOLDER_LEASE_MS, PROCESS_ALIVE_MS, PROCESS_HEARTBEAT_MS, PROCESS_TABLE } from './limits';
import type { FolderState, MailState } from './state';

/**
 * One call at a time per folder. A call that is about to append takes the folder's lease with a
 * conditional (If-Match) write of the folder row: `owner|expiry`. Another call that finds a live
 * lease held by someone else stops with MAIL_STATE_CONFLICT (transient: it is tried again later),
 * so two calls on one folder — an activity delivered twice, a retry while the first still runs —
 * never append the same messages. The holder renews it while it appends and clears it with its
 * checkpoint.
 *
 * A holder that died (kill -9, a lost host) cannot clear it. The owner id names the holder's
 * process (`<process>.<call>`), and every process that copies writes a heartbeat row
 * (`mailprocesses`, renewed every PROCESS_HEARTBEAT_MS, good for PROCESS_ALIVE_MS). A lease whose
 * holder's process has stopped beating is free at once instead of after FOLDER_LEASE_MS; a lease
 * held by a live process keeps its full protection until it expires.
 */
const PROCESS_ID = randomUUID();

export function newOwner(): string {
  return `${PROCESS_ID}.${randomUUID()}`;
}

/** The last heartbeat read of each other process: its `aliveUntil` (ms since the epoch). */
const aliveUntilOf = new Map<string, number>();

const processOf = (owner: string): string | undefined => {
  const dot = owner.indexOf('.');
  return dot > 0 ? owner.slice(0, dot) : undefined; // owners written before heartbeats have none
};

/** Milliseconds the lease stays with another owner (0 when free, expired, ours, or its process is gone). */
export function heldByOther(state: FolderState, owner: string, now = Date.now()): number {
  if (!state.lease) return 0;
  const [who = '', until] = state.lease.split('|');
  if (who === owner) return 0;
  const left = Math.max(0, Number(until) - now);
  const holder = processOf(who);
  if (!holder || holder === PROCESS_ID) return left;
  const alive = aliveUntilOf.get(holder);
  return alive === undefined ? left : Math.min(left, Math.max(0, alive - now));
}

/**
 * heldByOther, after reading the heartbeat of the holder's process (and making sure this process
 * beats before it takes any lease). Use it before heldByOther/takeLease in a new call.
 */
export async function leaseWait(
  storage: StorageSettings,
  state: FolderState,
  owner: string,
): Promise<number> {
  const table = await heartbeat(storage);
  const [who = '', until] = state.lease.split('|');
  const holder = processOf(who);
  // Read afresh whenever the lease itself is still running: the last beat read may be old news.
  if (holder && holder !== PROCESS_ID && who !== owner && Number(until) > Date.now()) {
    aliveUntilOf.set(holder, await readAliveUntil(table, holder));
  }
  return heldByOther(state, owner);
}

export function busy(state: FolderState, waitMs: number): MailError {
  return new MailError(
    MailErrorCode.stateConflict,
    `folder ${state.source} is being copied by another call; this call tries again later`,
    { folder: state.source, retryAfterMs: Math.min(waitMs, FOLDER_LEASE_MS) },
  );
}

/** Takes or renews the lease (and writes whatever else changed in `state`, e.g. the in-flight mark). */
export async function takeLease(store: MailState, state: FolderState, owner: string): Promise<void> {
  const wait = heldByOther(state, owner);
  if (wait > 0) throw busy(state, wait);
  state.lease = `${owner}|${Date.now() + FOLDER_LEASE_MS}`;
  await store.putFolder(state);
}

/** True when our lease is more than half used: renew before the next append. */
export function dueForRenewal(state: FolderState, owner: string, now = Date.now()): boolean {
  const [who, until] = state.lease.split('|');
  return who === owner && Number(until) - now < FOLDER_LEASE_MS / 2;
}

/** After a failed call: give the lease back without writing anything else of the call's state. */
export async function releaseLease(store: MailState, source: string, owner: string): Promise<void> {
  try {
    const row = await store.getFolder(source);
    if (!row || !row.lease.startsWith(`${owner}|`)) return;
    row.lease = '';
    await store.putFolder(row);
  } catch {
    // It expires by itself.
  }
}

const HEARTBEAT_PARTITION = 'process';
const beating = new Map<string, Promise<TableClient>>();

/**
 * Starts this process's heartbeat on this storage account, once; resolves after the first beat is
 * stored, so no lease of this process exists before its heartbeat does.
 */
function heartbeat(storage: StorageSettings): Promise<TableClient> {
  const key = storage.connectionString || JSON.stringify(storage.identity);
  let started = beating.get(key);
  if (!started) {
    const table = tableClient(storage, PROCESS_TABLE);
    const beat = () =>
      table.upsertEntity(
        { partitionKey: HEARTBEAT_PARTITION, rowKey: PROCESS_ID, aliveUntil: Date.now() + PROCESS_ALIVE_MS },
        'Replace',
      );
    started = (async () => {
      await table.createTable();
      await beat();
      // A missed beat is harmless while the next one comes within PROCESS_ALIVE_MS.
      setInterval(() => void beat().catch(() => undefined), PROCESS_HEARTBEAT_MS).unref();
      return table;
    })();
    started.catch(() => beating.delete(key));
    beating.set(key, started);
  }
  return started;
}

/** A process with no heartbeat row never took a lease on this account after heartbeats began: gone. */
async function readAliveUntil(table: TableClient, processId: string): Promise<number> {
  try {
    const row = await table.getEntity<{ aliveUntil?: number }>(HEARTBEAT_PARTITION, processId);
    return Number(row.aliveUntil ?? 0);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return 0;
    throw e;
  }
}
