/* global setTimeout */
import { api, json } from './api.mjs';
import { dataTable, h } from './dom.mjs';
import { bytes, count, duration, time } from './format.mjs';
import { passOptionFields } from './pass-options.mjs';

/**
 * The batch page's "next pass" section: the options that shape the next pass (date window, folder
 * mapping, mirroring deletions), saved with PATCH /api/batches/{id}/options, and a Plan button that
 * starts the dry run in the service (POST /api/batches/{id}/plan), follows it (GET) and shows it as
 * a table per folder. Planning writes nothing to the target.
 */
// Pages of planned mailboxes the page shows (5 mailboxes each); the CLI prints every one.
const PAGES_SHOWN = 40;
const POLL_MS = 1000;

const PLAN_COLUMNS = [
  'Mailbox',
  'Source folder',
  'Target folder',
  { name: 'Messages', class: 'num' },
  { name: 'Size', class: 'num wide' },
  { name: 'To copy', class: 'num' },
  { name: 'Copy size', class: 'num wide' },
  { name: 'Too large', class: 'num' },
  { name: 'Out of window', class: 'num' },
];

export function planSection(id) {
  const fields = passOptionFields('pass');
  const message = h('p', { role: 'status', class: 'note' });
  const output = h('div', { class: 'scroll' });
  let loaded = false;
  let planning = false; // a plan asked for on this page wins over the last one being drawn

  async function save() {
    let chosen;
    try {
      chosen = fields.values();
    } catch (e) {
      message.textContent = e.message;
      return;
    }
    message.textContent = 'Saving…';
    try {
      // An emptied field clears the option: the final pass drops the window this way.
      const { batch } = await api(`batches/${encodeURIComponent(id)}/options`, {
        method: 'PATCH',
        ...json({
          since: chosen.since ?? null,
          before: chosen.before ?? null,
          folderMap: chosen.folderMap,
          mirrorDeletions: chosen.mirrorDeletions,
        }),
      });
      fields.set(batch.options);
      message.textContent = 'Options saved: they apply from the next pass.';
    } catch (e) {
      message.textContent = e.body?.code ? `${e.body.code}: ${e.message}` : e.message;
    }
  }

  /** Draws a finished plan (its first pages) and says what it covers. */
  async function show(answer, prefix = '') {
    const route = `batches/${encodeURIComponent(id)}/plan`;
    if (answer.plan.state === 'Failed') {
      message.textContent = `${answer.plan.error.code}: ${answer.plan.error.message}`;
      return;
    }
    const mailboxes = [...answer.mailboxes];
    for (let page = 2; page <= Math.min(answer.plan.pages, PAGES_SHOWN); page++)
      mailboxes.push(...(await api(route, { query: { page } })).mailboxes);
    const cut = answer.plan.pages > PAGES_SHOWN;
    output.replaceChildren(...renderPlan(answer, mailboxes).filter(Boolean));
    message.textContent = `${prefix}Planned ${count(answer.plan.planned)} mailbox(es); nothing was written to the target.${
      cut ? ` The first ${count(mailboxes.length)} are shown; \`mailferry batch plan\` prints all.` : ''
    }`;
  }

  /** The batch's last finished plan, if any, when the page opens: no new logins needed to see it. */
  async function showLast() {
    const answer = await api(`batches/${encodeURIComponent(id)}/plan`).catch(() => undefined);
    if (answer?.plan?.state === 'Completed' && !planning)
      await show(answer, `Last plan (${time(answer.plan.startedAt)}): `).catch(() => undefined);
  }

  async function plan() {
    planning = true;
    const route = `batches/${encodeURIComponent(id)}/plan`;
    message.textContent = 'Planning: logging in to both sides and counting…';
    output.replaceChildren();
    try {
      await api(route, { method: 'POST', ...json({}) });
      let answer = await api(route);
      while (answer.plan.state === 'Running') {
        message.textContent = `Planning: ${count(answer.plan.planned)} of ${count(answer.plan.totalMailboxes)} mailbox(es) counted…`;
        await new Promise((r) => setTimeout(r, POLL_MS));
        answer = await api(route);
      }
      await show(answer);
    } catch (e) {
      message.textContent = e.body?.code ? `${e.body.code}: ${e.message}` : e.message;
    }
  }

  return {
    element: h(
      'section',
      { class: 'card', 'aria-labelledby': 'pass-title' },
      h('h3', { id: 'pass-title' }, 'Next pass: options and plan'),
      h('div', { class: 'fields' }, fields.elements),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: save }, 'Save options'),
        h('button', { type: 'button', onclick: plan }, 'Plan'),
      ),
      message,
      output,
    ),
    /** Fills the fields from the batch once; later refreshes leave what the administrator typed. */
    setBatch(batch) {
      if (loaded || !batch) return;
      loaded = true;
      fields.set(batch.options);
      void showLast();
    },
  };
}

function renderPlan(page, mailboxes) {
  const rows = mailboxes.flatMap((m) =>
    m.ok
      ? m.folders.map((f) => ({
          cells: [
            m.email,
            f.source,
            f.target,
            count(f.messages),
            bytes(f.bytes),
            count(f.toCopy),
            bytes(f.toCopyBytes),
            count(f.tooLarge),
            count(f.filteredByDate),
          ],
        }))
      : [
          {
            class: 'failed',
            cells: [m.email, `${m.error.code}: ${m.error.message}`, '', '', '', '', '', '', ''],
          },
        ],
  );
  const window = [
    page.window?.since && `since ${time(page.window.since)}`,
    page.window?.before && `before ${time(page.window.before)}`,
  ]
    .filter(Boolean)
    .join(', ');
  const minutes = mailboxes.reduce((n, m) => n + (m.ok ? m.estimatedMinutes : 0), 0);
  return [
    h(
      'p',
      {},
      `Date window: ${window || 'all mail'}. Mirror deletions: ${page.mirrorDeletions ? 'on' : 'off'}. `,
      `Rate ${bytes(page.rate?.bytesPerMinute)}/min (${page.rate?.source ?? 'none'}); about ${duration(minutes * 60_000)} of copying one mailbox at a time.`,
    ),
    dataTable('Plan of the next pass, per folder', PLAN_COLUMNS, rows, 'plan'),
    h(
      'ul',
      { class: 'plan-notes' },
      mailboxes
        .filter((m) => m.ok)
        .flatMap((m) => [
          h(
            'li',
            {},
            `${m.email}: ${count(m.totals.toCopy)} of ${count(m.totals.messages)} messages to copy, about ${duration(m.estimatedMinutes * 60_000)}`,
          ),
          ...m.excluded.map((x) => h('li', {}, `${m.email}: ${x.source} left out (${x.reason})`)),
          ...m.renames.map((r) => h('li', {}, `${m.email}: ${r.source} → ${r.target} (${r.reason})`)),
        ]),
    ),
  ];
}
