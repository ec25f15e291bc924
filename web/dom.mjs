/* global document, Node */
/**
 * A tiny element builder. Text always goes in as text (never as HTML), so a mailbox error or a
 * subject from the source server can never inject markup into the page.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replace an element's content only when the data behind it changed, so polling keeps focus. */
export function renderIfChanged(container, data, render) {
  const fingerprint = JSON.stringify(data);
  if (container.dataset.fingerprint === fingerprint) return;
  container.dataset.fingerprint = fingerprint;
  // A control marked data-focus-key keeps the keyboard focus when it is drawn again.
  const active = document.activeElement;
  const focusKey = container.contains(active) ? active.dataset.focusKey : undefined;
  container.replaceChildren(...[render(data)].flat(Infinity).filter((c) => c !== null && c !== undefined));
  if (focusKey)
    [...container.querySelectorAll('[data-focus-key]')]
      .find((el) => el.dataset.focusKey === focusKey)
      ?.focus();
}

/** A status as a badge whose colour says good / bad / working. */
export function statusBadge(status) {
  const tone = /Failed|Errors|Warnings/.test(status)
    ? 'bad'
    : /^(Synced|IncrementalSynced|Completed)$/.test(status)
      ? 'good'
      : /Stopped|Created/.test(status)
        ? 'idle'
        : 'busy';
  return h('span', { class: `badge ${tone}` }, status);
}

/**
 * A table of records: the first cell of each row heads it. Each cell carries its column name, so on
 * a phone the rows stack into cards that still say what each figure is (see style.css).
 * columns: names or {name, class}; rows: {cells, class?}.
 */
export function dataTable(caption, columns, rows, tableClass = '') {
  const cols = columns.map((c) => (typeof c === 'string' ? { name: c } : c));
  return h(
    'table',
    { class: `stack ${tableClass}` },
    h('caption', { class: 'sr-only' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        cols.map((c) => h('th', { scope: 'col', class: c.class }, c.name)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map(({ cells, class: rowClass }) =>
        h(
          'tr',
          { class: rowClass },
          cells.map((cell, i) =>
            i === 0
              ? h('th', { scope: 'row' }, cell)
              : h('td', { class: cols[i].class, 'data-label': cols[i].name }, cell),
          ),
        ),
      ),
    ),
  );
}
