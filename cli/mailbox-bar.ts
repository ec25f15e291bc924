import type { Mailbox } from '../shared/state';
import { percentDone } from '../shared/state/mailbox-progress';
import { humanBytes } from './format';

/**
 * What one mailbox's bar says: its percentage of the source's mail accounted for, and after the
 * bar the time left, the rate over the last minutes and the folder being copied. Before the first
 * chunk reports (provisioning, planning) the bar is at 0 % and says the stage.
 */
export interface BarState {
  percent: number;
  detail: string;
}

const COPYING = new Set(['Syncing', 'IncrementalSyncing']);

export function barState(m: Mailbox, finished: boolean): BarState {
  const p = m.progress;
  if (finished) {
    const items = p ? `${p.mailItems} items, ${humanBytes(p.mailBytes)}` : `${m.itemsSynced} items`;
    const error = m.lastError ? `; ${m.lastError.code}` : '';
    return { percent: m.lastError ? (p ? percentDone(p) : 0) : 100, detail: `${m.status}: ${items}${error}` };
  }
  if (!p || !COPYING.has(m.status) || !fresh(m)) return { percent: 0, detail: m.status };
  const eta = p.etaSeconds === undefined ? 'ETA --' : `ETA ${humanDuration(p.etaSeconds)}`;
  const rate = `${Math.round(p.itemsPerMinute)} items/min, ${humanBytes(p.bytesPerMinute)}/min`;
  const folder = p.currentFolder ? ` | ${p.currentFolder}` : '';
  return { percent: percentDone(p), detail: `${eta} | ${rate}${folder}` };
}

/** Progress written during this pass (not left over from the previous one). */
function fresh(m: Mailbox): boolean {
  return !!m.progress && (!m.syncStartedAt || m.progress.at >= m.syncStartedAt);
}

/** 75 → "1m 15s", 3700 → "1h 1m", 8 → "8s". */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
