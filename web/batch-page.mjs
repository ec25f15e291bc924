/* global window */
import { api, ApiError } from './api.mjs';
import { dataTable, h, renderIfChanged, statusBadge } from './dom.mjs';
import { bytes, count, duration, eta, progress, time } from './format.mjs';
import { progressBar, validationTable } from './batch-list.mjs';
import { reportsSection } from './reports.mjs';
import { loadCutover, renderCutover } from './cutover.mjs';
import { planSection } from './plan-view.mjs';
import { foldersSection, liveFacts, progressCell } from './mailbox-stats.mjs';

/** One batch: its actions, figures, CSV problems, mailboxes (a page at a time) and one mailbox's details. */
const PAGE_SIZE = 100;
// A mailbox can have thousands of skipped items; the page lists the first ones, the report all.
const SKIPPED_SHOWN = 200;
const ACTIONS = [
  { action: 'start', label: 'Start' },
  { action: 'stop', label: 'Stop' },
  { action: 'sync', label: 'Sync now' },
  { action: 'complete', label: 'Complete' },
  { action: 'remove', label: 'Remove' },
];
// Start on a batch with failed mailboxes retries them (the lifecycle allows it for these statuses).
const RETRY_STATUSES = new Set(['SyncedWithErrors', 'Failed']);

export function batchView(id) {
  const heading = h('h2', { id: 'batch-title' }, 'Batch');
  const message = h('p', { role: 'status', class: 'note' });
  const summary = h('div');
  const problems = h('div');
  const cutover = h('div');
  const mailboxes = h('div', { class: 'scroll' });
  const detail = h('div');
  const pager = h('div', { class: 'pager' });
  const reports = reportsSection(id);
  const nextPass = planSection(id);
  const buttons = ACTIONS.map(({ action, label }) =>
    h('button', { type: 'button', disabled: true, 'data-action': action, onclick: () => act(action) }, label),
  );
  let batch;
  let items = [];
  let openEmail;
  let opened; // {mailbox, skippedItems} of the open mailbox
  let pageToken = ''; // continuation token of the page shown ('' = the first)
  let nextToken;
  let latestRefresh = 0;
  let folders; // {key, element}: the open mailbox's reconciliation, kept across redraws

  async function act(action) {
    if (
      action === 'remove' &&
      !window.confirm(`Remove batch ${batch.name}? Its mailbox statistics are deleted.`)
    )
      return;
    for (const b of buttons) b.disabled = true;
    message.textContent = `${labelOf(action)}…`;
    try {
      if (action === 'remove') {
        await api(`batches/${encodeURIComponent(id)}`, { method: 'DELETE' });
        window.location.hash = '#/';
        return;
      }
      await api(`batches/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
      message.textContent = `${labelOf(action)}: requested.`;
    } catch (e) {
      message.textContent = e.message;
    }
    await view.refresh().catch(view.showError);
  }
  const labelOf = (action) =>
    action === 'start' && RETRY_STATUSES.has(batch?.status)
      ? 'Retry failed'
      : ACTIONS.find((a) => a.action === action).label;

  async function openMailbox(email) {
    openEmail = openEmail === email ? undefined : email;
    opened = undefined;
    folders = undefined;
    await view.refresh().catch(view.showError);
    // Focus follows: to the details when they open, back to the mailbox's row when they close.
    if (openEmail) detail.querySelector('h3')?.focus();
    else
      [...mailboxes.querySelectorAll('[data-focus-key]')].find((b) => b.dataset.focusKey === email)?.focus();
  }

  /**
   * Counted when a mailbox is opened and again when its status changes (a pass ends), not on every
   * poll: counting logs in to both servers.
   */
  function foldersOf(m) {
    const key = `${m.email}|${m.status}`;
    if (folders?.key !== key) folders = { key, element: foldersSection(id, m) };
    return folders.element;
  }

  const pageButton = (label, token) =>
    h(
      'button',
      { type: 'button', onclick: () => ((pageToken = token), view.refresh().catch(view.showError)) },
      label,
    );

  const view = {
    title: 'Batch',
    element: h(
      'section',
      { 'aria-labelledby': 'batch-title' },
      h('p', {}, h('a', { href: '#/' }, '← All batches')),
      heading,
      h('div', { class: 'actions', role: 'group', 'aria-label': 'Batch actions' }, buttons),
      message,
      summary,
      cutover,
      problems,
      h('h3', {}, 'Mailboxes'),
      mailboxes,
      pager,
      detail,
      nextPass.element,
      reports.element,
    ),
    async refresh() {
      // Refreshes overlap (the 2 s poll, an action, opening a mailbox): only the newest may draw,
      // or a slow older answer would paint an older state over a newer one.
      const seq = ++latestRefresh;
      const stale = () => seq !== latestRefresh;
      let shown;
      try {
        shown = await api(`batches/${encodeURIComponent(id)}`);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          heading.textContent = 'Batch not found';
          message.textContent = 'This batch does not exist (any more).';
          for (const b of buttons) b.disabled = true;
          return;
        }
        throw e;
      }
      const page = await api(`batches/${encodeURIComponent(id)}/mailboxes`, {
        query: { pageSize: PAGE_SIZE, continuationToken: pageToken },
      });
      const cutoverState = await loadCutover(id).catch(() => undefined);
      const openedEmail = openEmail;
      const openedAnswer = openedEmail
        ? await api(`batches/${encodeURIComponent(id)}/mailboxes/${encodeURIComponent(openedEmail)}`).catch(
            (e) => (e instanceof ApiError && e.status === 404 ? undefined : Promise.reject(e)),
          )
        : undefined;
      if (stale()) return;
      // From here on everything is drawn from this one set of answers, with no wait in between.
      batch = shown.batch;
      items = page.items.sort((a, b) => a.email.localeCompare(b.email));
      nextToken = page.continuationToken;
      heading.replaceChildren(`Batch ${batch.name} `, statusBadge(batch.status));
      view.title = batch.name;
      for (const b of buttons) {
        const action = b.dataset.action;
        b.disabled = !shown.allowedActions.includes(action);
        b.textContent = labelOf(action);
      }
      renderIfChanged(summary, batch, renderSummary);
      nextPass.setBatch(batch);
      renderIfChanged(problems, shown.validationErrors, (errors) => validationTable(errors) ?? []);
      const checkDns = () =>
        loadCutover(id, true).then(
          (r) => renderIfChanged(cutover, r, (x) => renderCutover(x, checkDns)),
          view.showError,
        );
      renderIfChanged(cutover, cutoverState, (r) => renderCutover(r, checkDns));
      renderIfChanged(mailboxes, { items, openEmail }, () => mailboxTable(items, openEmail, openMailbox));
      if (openedEmail && openedEmail === openEmail) opened = openedAnswer;
      renderIfChanged(detail, opened ?? null, (o) =>
        o
          ? mailboxDetail(
              o.mailbox,
              [...(o.skippedItems ?? []), ...pimSkippedRows(o.pimSkippedItems ?? [])],
              () => openMailbox(o.mailbox.email),
              foldersOf(o.mailbox),
            )
          : [],
      );
      renderIfChanged(pager, { pageToken, nextToken }, () =>
        [pageToken && pageButton('First page', ''), nextToken && pageButton('Next page', nextToken)].filter(
          Boolean,
        ),
      );
      await reports.refresh();
    },
    showError: (e) => (message.textContent = e.message),
  };
  return view;
}

function renderSummary(batch) {
  const { done, failed, total } = progress(batch);
  const left = eta(batch);
  const counts = Object.entries(batch.counts ?? {}).filter(([, n]) => n > 0);
  return [
    progressBar(done, failed, total, `Progress of ${batch.name}`),
    h(
      'dl',
      { class: 'facts' },
      fact('Mailboxes', count(total)),
      fact('By status', counts.map(([s, n]) => `${s}: ${n}`).join(', ') || '—'),
      fact('Time left', left === undefined ? '—' : `about ${duration(left)}`),
      fact('Source → target', `${batch.sourceEndpoint} → ${batch.target}`),
      fact('Started', time(batch.startedAt)),
      fact('Last synced', time(batch.lastSyncedAt)),
      batch.completedAt && fact('Completed', time(batch.completedAt)),
      batch.lastError && fact('Error', `${batch.lastError.message} (${batch.lastError.code})`),
    ),
  ];
}

const fact = (term, value) => [h('dt', {}, term), h('dd', {}, value)];

/** An error in one line a person can act on: its code, what happened, what to do. */
export const errorLine = (e) => `${e.code}: ${e.message}${e.hint ? ` What to do: ${e.hint}` : ''}`;

// Figures right-aligned; 'wide' columns are left out on phones.
const MAILBOX_COLUMNS = [
  'Mailbox',
  'Status',
  { name: 'Progress', class: 'live-cell' },
  { name: 'Items', class: 'num' },
  { name: 'Skipped', class: 'num wide' },
  { name: 'Size', class: 'num' },
  { name: 'Rate', class: 'num wide' },
  { name: 'Last sync', class: 'wide' },
  { name: 'Error', class: 'error-cell' },
];

function mailboxTable(items, openEmail, open) {
  if (!items.length) return h('p', {}, 'No mailboxes.');
  const rows = items.map((m) => ({
    class: m.email === openEmail ? 'open' : undefined,
    cells: [
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          'aria-expanded': String(m.email === openEmail),
          'data-focus-key': m.email,
          onclick: () => open(m.email),
        },
        m.email,
      ),
      statusBadge(m.status),
      progressCell(m),
      count(m.itemsSynced),
      count(m.itemsSkipped),
      bytes(m.bytesSynced),
      m.ratePerMinute === undefined ? '—' : `${count(Math.round(m.ratePerMinute))}/min`,
      time(m.lastSuccessfulSync),
      m.lastError ? errorLine(m.lastError) : '',
    ],
  }));
  return dataTable('Mailboxes of this batch', MAILBOX_COLUMNS, rows, 'mailboxes');
}

function mailboxDetail(m, skipped, close, foldersElement) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'mailbox-title' },
    h('h3', { id: 'mailbox-title', tabindex: -1 }, m.email),
    h(
      'dl',
      { class: 'facts' },
      fact('Status', statusBadge(m.status)),
      liveFacts(m, fact),
      fact('Items synced', count(m.itemsSynced)),
      fact('Items skipped', count(m.itemsSkipped)),
      (m.contactsSynced !== undefined || m.eventsSynced !== undefined) &&
        fact(
          'Contacts and events',
          `${count(m.contactsSynced ?? 0)} contacts, ${count(m.eventsSynced ?? 0)} events`,
        ),
      m.pimNote && fact('Contacts and calendars', m.pimNote),
      fact('Size migrated', bytes(m.bytesSynced)),
      fact(
        'Rate',
        m.ratePerMinute === undefined
          ? '—'
          : `${count(Math.round(m.ratePerMinute))} items/min, ${bytes(m.bytesPerMinute ?? 0)}/min`,
      ),
      fact('Time syncing', duration(m.syncDurationMs)),
      fact('Queued', time(m.queuedAt)),
      fact('Sync started', time(m.syncStartedAt)),
      fact('Synced', time(m.syncedAt)),
      fact('Last successful sync', time(m.lastSuccessfulSync)),
      fact('Error', m.lastError ? errorLine(m.lastError) : 'none'),
    ),
    foldersElement,
    skippedTable(skipped),
    h('button', { type: 'button', onclick: close }, 'Close'),
  );
}

/** Items the copy left out (too large for the target, refused), with why: never silently dropped. */
function skippedTable(skipped) {
  if (!skipped.length) return null;
  const rows = skipped.slice(0, SKIPPED_SHOWN).map((k) => ({
    cells: [k.subject || '(no subject)', k.folder, time(k.date), bytes(k.size), k.kind, k.reason],
  }));
  return [
    h('h4', {}, `Skipped items (${skipped.length})`),
    skipped.length > SKIPPED_SHOWN &&
      h(
        'p',
        { class: 'note' },
        `The first ${SKIPPED_SHOWN} are shown; errors.csv in the batch report lists all.`,
      ),
    dataTable('Skipped items of this mailbox', ['Subject', 'Folder', 'Date', 'Size', 'Kind', 'Reason'], rows),
  ];
}

/** Contacts and calendar items left out or migrated with a loss, as rows of the skipped table. */
function pimSkippedRows(items) {
  return items.map((s) => ({
    subject: s.label,
    folder: s.collection,
    kind: s.kind,
    reason: `${s.code}: ${s.whole ? '' : '(migrated with a loss) '}${s.reason}`,
  }));
}
