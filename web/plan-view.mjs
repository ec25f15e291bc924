import { api, json } from './api.mjs';
import { dataTable, h } from './dom.mjs';
import { bytes, count, duration, time } from './format.mjs';
import { passOptionFields } from './pass-options.mjs';

/**
 * The batch page's "next pass" section: the options that shape the next pass (date window, folder
 * mapping, mirroring deletions), saved with PATCH /api/batches/{id}/options, and a Plan button that
 * shows the dry run (POST /api/batches/{id}/plan, page after page) as a table per folder. Planning
 * writes nothing to the target.
 */
// Mailbox pages fetched per click; a bigger batch shows a "Plan more" button for the rest.
const PAGES_PER_CLICK = 20;

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
  let mailboxes = [];
  let header;
  let token;

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

  async function plan(more) {
    if (!more) {
      mailboxes = [];
      token = undefined;
    }
    message.textContent = 'Planning: logging in to both sides and counting…';
    try {
      for (let i = 0; i < PAGES_PER_CLICK; i++) {
        const page = await api(`batches/${encodeURIComponent(id)}/plan`, {
          method: 'POST',
          ...json(token ? { continuationToken: token } : {}),
        });
        header = page;
        mailboxes.push(...page.mailboxes);
        token = page.continuationToken;
        output.replaceChildren(...renderPlan(header, mailboxes, token, () => plan(true)).filter(Boolean));
        if (!token) break;
      }
      message.textContent = `Planned ${count(mailboxes.length)} mailbox(es); nothing was written to the target.`;
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
        h('button', { type: 'button', onclick: () => plan(false) }, 'Plan'),
      ),
      message,
      output,
    ),
    /** Fills the fields from the batch once; later refreshes leave what the administrator typed. */
    setBatch(batch) {
      if (loaded || !batch) return;
      loaded = true;
      fields.set(batch.options);
    },
  };
}

function renderPlan(page, mailboxes, more, planMore) {
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
    page.window.since && `since ${time(page.window.since)}`,
    page.window.before && `before ${time(page.window.before)}`,
  ]
    .filter(Boolean)
    .join(', ');
  const minutes = mailboxes.reduce((n, m) => n + (m.ok ? m.estimatedMinutes : 0), 0);
  return [
    h(
      'p',
      {},
      `Date window: ${window || 'all mail'}. Mirror deletions: ${page.mirrorDeletions ? 'on' : 'off'}. `,
      `Rate ${bytes(page.rate.bytesPerMinute)}/min (${page.rate.source}); about ${duration(minutes * 60_000)} of copying one mailbox at a time.`,
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
    more && h('button', { type: 'button', onclick: planMore }, 'Plan more mailboxes'),
  ];
}
