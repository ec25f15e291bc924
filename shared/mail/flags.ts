import type { MailSession } from './session';
import type { FolderState } from './state';
import { itemKey } from './copy';
import { FLAG_SCAN_PAGE } from './limits';

/**
 * Flag changes on messages already copied. With CONDSTORE only messages whose MODSEQ moved since the
 * last sync are read (`FETCH ... (CHANGEDSINCE n)`); without it every message's flags are read and
 * compared with the index (a flag scan). Only real differences are stored on the target. Both go
 * through the folder in UID pages of FLAG_SCAN_PAGE, so memory stays bounded however large the
 * folder (a flag scan of 200,000 messages holds one page of flags and index rows at a time).
 */
export async function syncFlags(
  session: MailSession,
  mailboxKey: string,
  state: FolderState,
  highestModseq: string,
): Promise<number> {
  if (state.lastUid === 0) return 0;
  const since = highestModseq && state.modseq ? state.modseq : undefined;
  if (since && BigInt(highestModseq) <= BigInt(since)) return 0;
  let total = 0;
  for (let from = 1; from <= state.lastUid; from += FLAG_SCAN_PAGE) {
    const to = Math.min(state.lastUid, from + FLAG_SCAN_PAGE - 1);
    total += await syncFlagPage(session, mailboxKey, state, from, to, since);
  }
  return total;
}

async function syncFlagPage(
  session: MailSession,
  mailboxKey: string,
  state: FolderState,
  from: number,
  to: number,
  since: string | undefined,
): Promise<number> {
  const changed = await session.source.flags(`${from}:${to}`, since);
  if (!changed.size) return 0;
  const index = await session.state.itemsInRange(state, state.uidValidity, from, to);
  const updates: Array<{ uid: number; flags: string[] }> = [];
  for (const [uid, flags] of changed) {
    const r = index.get(uid);
    if (r && r.s === 'd' && r.fl !== flags.join(' ')) updates.push({ uid, flags });
  }
  if (!updates.length) return 0;
  // Without target ids (no UIDPLUS), find the copies by fingerprint once and remember them.
  const unknown = updates.filter((u) => !index.get(u.uid)?.t);
  if (unknown.length) {
    const metas = await session.source.meta(unknown.map((u) => u.uid));
    const found = await session.target.findExisting(
      state.target,
      metas.map((m) => ({ key: itemKey(mailboxKey, state.source, state.uidValidity, m.uid), ...m })),
    );
    for (const m of metas) {
      const id = found.get(itemKey(mailboxKey, state.source, state.uidValidity, m.uid))?.[0];
      const r = index.get(m.uid);
      if (id && r) r.t = id;
    }
  }
  const changes = updates.flatMap((u) => {
    const t = index.get(u.uid)?.t;
    return t ? [{ id: t, flags: u.flags }] : [];
  });
  await session.target.setFlags(state.target, changes);
  const rows = updates.flatMap((u) => {
    const r = index.get(u.uid);
    return r ? [{ ...r, fl: u.flags.join(' ') }] : [];
  });
  await session.state.putItems(state, state.uidValidity, rows);
  return changes.length;
}

/** Mirrors deletions: messages gone from the source are removed from the target (opt-in). */
export async function mirrorDeletions(session: MailSession, state: FolderState): Promise<number> {
  const present = new Set(await session.source.allUids());
  const index = await session.state.itemsWhere(state, state.uidValidity, { s: 'd' });
  const gone = [...index.values()].filter((r) => !present.has(r.uid));
  if (!gone.length) return 0;
  const ids = gone.map((r) => r.t).filter((t) => t);
  await session.target.remove(state.target, ids);
  await session.state.deleteItems(
    state,
    state.uidValidity,
    gone.map((r) => r.uid),
  );
  return gone.length;
}
