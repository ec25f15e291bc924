import type { MessageMeta } from '../source';
import { fingerprintHash, type ItemRow } from '../state';
import type { Fingerprint } from '../target';
import type { Sorted } from './classify';
import { doneRow, itemKey } from './rows';
import type { CopyScope } from './scope';

/** Messages found already on the target, with the done rows that record them. */
export interface Recovered {
  found: MessageMeta[];
  rows: ItemRow[];
}

/**
 * Suspects (a crash may have appended them) are looked up on the target; after a UIDVALIDITY
 * change, copies of the old generation are reused. What is found leaves `sorted.toCopy`; suspects
 * not found join it. The rows of reused old-generation copies are already written when this returns.
 */
export async function recoverKnownCopies(scope: CopyScope, sorted: Sorted): Promise<Recovered> {
  const out: Recovered = { found: [], rows: [] };
  if (sorted.suspects.length) {
    const claimed = await claimOnTarget(scope, sorted.suspects);
    for (const m of sorted.suspects) {
      const id = claimed.get(m.uid);
      if (id === undefined) sorted.toCopy.push(m);
      else {
        out.rows.push(doneRow(m, id));
        out.found.push(m);
      }
    }
    sorted.toCopy.sort((a, b) => a.uid - b.uid);
  }
  if (scope.state.rebaseFrom && sorted.toCopy.length) {
    const reused = await reuseOldGeneration(scope, sorted.toCopy);
    sorted.toCopy = sorted.toCopy.filter((m) => {
      if (!reused.has(m.uid)) return true;
      out.found.push(m);
      return false;
    });
  }
  return out;
}

/**
 * Which of `pending` are on the target: candidates with the same fingerprint, minus the copies
 * already claimed by done rows of the folder (by target id, or by count when the target names none).
 */
export async function claimOnTarget(scope: CopyScope, pending: MessageMeta[]): Promise<Map<number, string>> {
  const { session, state, mailboxKey } = scope;
  const fps: Fingerprint[] = pending.map((m) => ({
    key: itemKey(mailboxKey, state.source, state.uidValidity, m.uid),
    messageId: m.messageId,
    size: m.size,
    internalDate: m.internalDate,
  }));
  const found = await session.target.findExisting(state.target, fps);
  const claimed = new Set<string>();
  const claimedCount = new Map<string, number>();
  const hashes = [...new Set(pending.map((m) => fingerprintHash(m.messageId, m.size, m.internalDate)))];
  const rows = await session.state.itemsWhere(state, state.uidValidity, { s: 'd', fp: hashes });
  for (const r of rows.values()) {
    if (r.t) claimed.add(r.t);
    else claimedCount.set(r.fp, (claimedCount.get(r.fp) ?? 0) + 1);
  }
  const out = new Map<number, string>();
  for (const [i, m] of pending.entries()) {
    const h = fingerprintHash(m.messageId, m.size, m.internalDate);
    const candidates = (found.get(fps[i]!.key) ?? []).filter((id) => !claimed.has(id));
    // Without target ids, the first `claimedCount` candidates belong to done rows.
    const id = candidates[claimedCount.get(h) ?? 0];
    if (id !== undefined) {
      claimed.add(id);
      out.set(m.uid, id);
    }
  }
  return out;
}

async function reuseOldGeneration(scope: CopyScope, metas: MessageMeta[]): Promise<Map<number, string>> {
  const { session, state } = scope;
  const old = await session.state.itemsWhere(state, state.rebaseFrom, { s: 'd' });
  // Target ids already taken by the new generation (a crash between the two writes below leaves
  // an old row behind whose copy is already reused): never hand them out twice.
  const taken = new Set<string>();
  for (const r of (await session.state.itemsWhere(state, state.uidValidity, { s: 'd' })).values())
    if (r.t) taken.add(r.t);
  const byFp = new Map<string, ItemRow[]>();
  for (const r of old.values()) if (!r.t || !taken.has(r.t)) byFp.set(r.fp, [...(byFp.get(r.fp) ?? []), r]);
  const out = new Map<number, string>();
  const consumed: number[] = [];
  for (const m of metas) {
    const r = byFp.get(fingerprintHash(m.messageId, m.size, m.internalDate))?.shift();
    if (!r) continue;
    out.set(m.uid, r.t);
    consumed.push(r.uid);
  }
  // New rows first, then the old ones reused are dropped so no later chunk reuses them twice.
  if (consumed.length) {
    const newRows = metas.filter((m) => out.has(m.uid)).map((m) => doneRow(m, out.get(m.uid) ?? ''));
    await session.state.putItems(state, state.uidValidity, newRows);
    await session.state.deleteItems(state, state.rebaseFrom, consumed);
  }
  return out;
}
