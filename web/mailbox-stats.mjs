import { api } from './api.mjs';
import { dataTable, h, renderIfChanged } from './dom.mjs';
import { bytes, count, duration, time } from './format.mjs';

/**
 * A mailbox's live statistics (from the progress each copied chunk stores on its row) and its
 * per-folder reconciliation (both servers counted when the mailbox is opened).
 */
const COPYING = new Set(['Syncing', 'IncrementalSyncing']);

/** Progress written during this pass, while the mailbox copies; undefined otherwise. */
export function liveProgress(m) {
  const p = m.progress;
  if (!p || !COPYING.has(m.status)) return undefined;
  return !m.syncStartedAt || p.at >= m.syncStartedAt ? p : undefined;
}

export const percentOf = (p) =>
  p.sourceItems > 0 ? Math.min(100, Math.floor((p.itemsDone / p.sourceItems) * 100)) : 100;

const timeLeft = (p) => (p.etaSeconds === undefined ? '—' : `about ${duration(p.etaSeconds * 1000)}`);

/** The mailbox table's progress cell: a bar, the percentage and the time left, or '' when not copying. */
export function progressCell(m) {
  const p = liveProgress(m);
  if (!p) return '';
  const pct = percentOf(p);
  return h(
    'span',
    { class: 'progress live' },
    h('progress', { max: 100, value: pct, 'aria-label': `Progress of ${m.email}` }),
    h('span', {}, `${pct}% · ${timeLeft(p)} left`),
  );
}

/** Facts for the mailbox view: what it copies now, by kind, how fast and how long still. */
export function liveFacts(m, fact) {
  const p = liveProgress(m);
  return [
    p && fact('Copying now', p.currentFolder || '—'),
    p && fact('Done', `${percentOf(p)}% (${count(p.itemsDone)} of ${count(p.sourceItems)} messages)`),
    m.progress &&
      fact(
        'By kind',
        `mail ${count(m.progress.mailItems)} (${bytes(m.progress.mailBytes)}), contacts ${count(m.contactsSynced ?? 0)}, events ${count(m.eventsSynced ?? 0)}`,
      ),
    p &&
      fact(
        'Rate (last minutes)',
        `${count(Math.round(p.itemsPerMinute))} items/min, ${bytes(p.bytesPerMinute)}/min`,
      ),
    p && fact('Time left', timeLeft(p)),
  ];
}

const FOLDER_COLUMNS = [
  'Folder',
  { name: 'Target folder', class: 'wide' },
  { name: 'Source', class: 'num' },
  { name: 'Source size', class: 'num wide' },
  { name: 'Target', class: 'num' },
  { name: 'Target size', class: 'num wide' },
  { name: 'Skipped', class: 'num' },
  'Verdict',
];

/**
 * The reconciliation table of one mailbox, loaded when the mailbox is opened and on "Count
 * again" (it logs in to both servers, so not on every refresh). Returns a node kept across redraws.
 */
export function foldersSection(batchId, m) {
  const email = m.email;
  const body = h(
    'div',
    { 'aria-live': 'polite' },
    h('p', { class: 'note' }, 'Counting the folders on both servers…'),
  );
  const load = () =>
    api(`batches/${encodeURIComponent(batchId)}/mailboxes/${encodeURIComponent(email)}/folders`).then(
      (r) => renderIfChanged(body, r, (x) => foldersTable(x, COPYING.has(m.status))),
      (e) => renderIfChanged(body, { error: e.message }, () => h('p', { class: 'note' }, e.message)),
    );
  load();
  return h(
    'div',
    { class: 'folders' },
    h('h4', {}, 'Folders: source against target'),
    body,
    h('button', { type: 'button', onclick: load }, 'Count again'),
  );
}

function foldersTable(r, copying) {
  if (!r.folders.length) return h('p', { class: 'note' }, 'No folder copied yet.');
  const rows = r.folders.map((f) => ({
    class: f.verdict === 'ok' ? undefined : 'attention',
    cells: [
      f.folder,
      f.targetFolder,
      count(f.sourceItems),
      bytes(f.sourceBytes),
      count(f.targetItems),
      bytes(f.targetBytes),
      f.skipped ? `${count(f.skipped)} (${f.skippedReasons.map((x) => x.reason).join('; ')})` : '0',
      h(
        'span',
        { class: `badge ${f.verdict === 'ok' ? 'good' : f.verdict === 'unchecked' ? 'idle' : 'bad'}` },
        f.verdictText,
      ),
    ],
  }));
  return [
    copying &&
      h('p', { class: 'note' }, 'Still copying: folders not finished yet show as missing until they are.'),
    r.targetNote && h('p', { class: 'note' }, `Target not counted: ${r.targetNote}.`),
    dataTable(`Folders of ${r.email}, source against target`, FOLDER_COLUMNS, rows, 'folders'),
    h('p', { class: 'note' }, `Counted ${time(r.checkedAt)}.`),
  ].filter(Boolean);
}
