import { randomUUID } from 'node:crypto';
import { MailError, MailErrorCode } from './errors';
import { FOLDER_LEASE_MS } from './limits';
import type { FolderState, MailState } from './state';

/**
 * One call at a time per folder. A call that is about to append takes the folder's lease with a
 * conditional (If-Match) write of the folder row: `owner|expiry`. Another call that finds a live
 * lease held by someone else stops with MAIL_STATE_CONFLICT (transient: it is tried again later),
 * so two calls on one folder — an activity delivered twice, a retry while the first still runs —
 * never append the same messages. The holder renews it while it appends and clears it with its
 * checkpoint; a holder that died leaves it to expire after FOLDER_LEASE_MS.
 */
export function newOwner(): string {
  return randomUUID();
}

/** Milliseconds the lease stays with another owner (0 when free, expired or ours). */
export function heldByOther(state: FolderState, owner: string, now = Date.now()): number {
  if (!state.lease) return 0;
  const [who, until] = state.lease.split('|');
  if (who === owner) return 0;
  return Math.max(0, Number(until) - now);
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
