import type { MailSession } from './session';
import type { FolderState } from './state';
import { itemKey } from './copy';

/**
 * Flag changes on messages already copied. With CONDSTORE only messages whose MODSEQ moved since the
 * last sync are read (`FETCH ... (CHANGEDSINCE n)`); without it every message's flags are read and
 * compared with the index (a flag scan). Only real differences are stored on the target.
 */
export async function syncFlags(
  session: MailSession,
  mailboxKey: string,
  state: FolderState,
  highestModseq: string,
): Promise<number> {
  if (state.lastUid === 0) return 0;
  const range = `1:${state.lastUid}`;
  let changed: Map<number, string[]>;
  if (highestModseq && state.modseq) {
    if (BigInt(highestModseq) <= BigInt(state.modseq)) return 0;
    changed = await session.source.flags(range, state.modseq);
  } else {
    changed = await session.source.flags(range);
  }
  if (!changed.size) return 0;
  const index = await session.state.itemsWhere(state.fid, state.uidValidity, `s eq 'd'`);
  const updates: Array<{ uid: number; flags: string[] }> = [];
  for (const [uid, flags] of changed) {
    const r = index.get(uid);
    if (r && r.fl !== flags.join(' ')) updates.push({ uid, flags });
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
  await session.state.putItems(state.fid, state.uidValidity, rows);
  return changes.length;
}

/** Mirrors deletions: messages gone from the source are removed from the target (opt-in). */
export async function mirrorDeletions(session: MailSession, state: FolderState): Promise<number> {
  const present = new Set(await session.source.allUids());
  const index = await session.state.itemsWhere(state.fid, state.uidValidity, `s eq 'd'`);
  const gone = [...index.values()].filter((r) => !present.has(r.uid));
  if (!gone.length) return 0;
  const ids = gone.map((r) => r.t).filter((t) => t);
  await session.target.remove(state.target, ids);
  await session.state.deleteItems(
    state.fid,
    state.uidValidity,
    gone.map((r) => r.uid),
  );
  return gone.length;
}
