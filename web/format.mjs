/** Numbers as people read them: sizes, rates, durations, times, estimates. */
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export function bytes(n) {
  if (n === undefined || n === null) return '—';
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export const count = (n) => (n === undefined || n === null ? '—' : Number(n).toLocaleString('en'));

export function duration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.round(h / 24)} days`;
}

/** Local date and time as 2026-11-24 15:20:40: one order for every reader. */
export function time(iso) {
  const d = iso ? new Date(iso) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '—';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Mailbox statuses after which a mailbox needs no more work in this pass. */
const DONE = new Set([
  'Synced',
  'IncrementalSynced',
  'IncrementalFailed',
  'Completed',
  'CompletedWithWarnings',
  'Failed',
  'Stopped',
]);
const FAILED = new Set(['Failed', 'IncrementalFailed']);

/** How far a batch is: mailboxes done (of which failed) out of all. */
export function progress(batch) {
  let done = 0;
  let failed = 0;
  for (const [status, n] of Object.entries(batch.counts ?? {})) {
    if (DONE.has(status)) done += n;
    if (FAILED.has(status)) failed += n;
  }
  return { done, failed, total: batch.totalMailboxes ?? 0 };
}

// Only the initial pass: in later passes most mailboxes already count as done before they run.
const RUNNING = new Set(['Starting', 'Syncing']);

/** Time left at the pace so far (mailboxes done since the batch started); undefined when unknown. */
export function eta(batch, now = Date.now()) {
  const { done, total } = progress(batch);
  if (!RUNNING.has(batch.status) || !batch.startedAt || !done || done >= total) return undefined;
  const elapsed = now - Date.parse(batch.startedAt);
  return (elapsed / done) * (total - done);
}
