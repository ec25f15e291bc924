/* global document, URL, setTimeout */
import { api, apiFile, ApiError } from './api.mjs';
import { dataTable, h, renderIfChanged } from './dom.mjs';
import { bytes, time } from './format.mjs';

/**
 * A batch's reports: the list on the batch page, and one report opened on its own page
 * (#/batches/<id>/reports/<kind>/<file>, the address the report mails link to). Files are fetched
 * with the key; HTML is shown in a sandboxed frame (nothing in it runs), CSV as a table, JSON as
 * text; every file can be downloaded.
 */
export function reportsSection(batchId) {
  const list = h('div');
  return {
    element: h(
      'section',
      { 'aria-labelledby': 'reports-title' },
      h('h3', { id: 'reports-title' }, 'Reports'),
      list,
    ),
    async refresh() {
      const { reports } = await api(`batches/${encodeURIComponent(batchId)}/reports`);
      renderIfChanged(list, reports, () => reportsTable(batchId, reports));
    },
  };
}

function reportsTable(batchId, reports) {
  if (!reports.length) return h('p', { class: 'note' }, 'No report yet: the first comes after provisioning.');
  const rows = reports.map((r) => ({
    cells: [
      h(
        'a',
        { href: `#/batches/${encodeURIComponent(batchId)}/reports/${r.kind}/${r.file}` },
        `${r.kind} · ${r.file}`,
      ),
      time(r.createdAt),
      bytes(r.size),
      h('button', { type: 'button', onclick: () => download(r.url, r.file) }, 'Download'),
    ],
  }));
  return dataTable(
    'Report files of this batch',
    ['Report', 'Written', { name: 'Size', class: 'num' }, ''],
    rows,
  );
}

async function download(url, file) {
  const { blob } = await apiFile(url);
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, download: file, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

export function reportView(batchId, kind, file) {
  const heading = h('h2', { id: 'report-title' }, `Report ${kind} · ${file}`);
  const body = h('div', { class: 'report-body' });
  const message = h('p', { role: 'status', class: 'note' });
  const url = `/api/batches/${encodeURIComponent(batchId)}/reports/${encodeURIComponent(kind)}/${encodeURIComponent(file)}`;
  let loaded = false;
  return {
    title: `Report ${kind}`,
    element: h(
      'section',
      { 'aria-labelledby': 'report-title' },
      h('p', {}, h('a', { href: `#/batches/${encodeURIComponent(batchId)}` }, '← The batch')),
      heading,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => download(url, file) }, 'Download'),
      ),
      message,
      body,
    ),
    async refresh() {
      if (loaded) return; // a report file never changes: load it once
      try {
        const { blob, contentType } = await apiFile(url);
        const text = await blob.text();
        body.replaceChildren(render(text, contentType, file));
        loaded = true;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          message.textContent = e.message;
          loaded = true;
          return;
        }
        throw e;
      }
    },
    showError: (e) => (message.textContent = e.message),
  };
}

function render(text, contentType, file) {
  if (contentType.startsWith('text/html'))
    // An empty sandbox: no script, no form, no navigation, no same-origin access to the key.
    return h('iframe', { title: `Report ${file}`, sandbox: '', srcdoc: text, class: 'report-frame' });
  if (contentType.startsWith('text/csv')) {
    const [header = [], ...rows] = parseCsv(text);
    return h(
      'div',
      { class: 'scroll' },
      dataTable(
        file,
        header,
        rows.map((cells) => ({ cells })),
      ),
    );
  }
  if (contentType.startsWith('application/json')) {
    let pretty = text;
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      /* shown as it is */
    }
    return h('pre', { class: 'report-text' }, pretty);
  }
  return h('pre', { class: 'report-text' }, text);
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF), enough for the reports mailferry writes. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  if (field || row.length) endRow();
  return rows.filter((r) => r.length > 1 || r[0] !== '').map((r) => r.map((v) => v.replace(/^\uFEFF/, '')));
}
