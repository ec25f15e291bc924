/* global window, FormData */
import { api } from './api.mjs';
import { dataTable, h, renderIfChanged, statusBadge } from './dom.mjs';
import { count, duration, eta, progress, time } from './format.mjs';
import { passOptionFields } from './pass-options.mjs';

/** The batch list (status and progress of each) and the form that creates a batch from a CSV. */
export function batchListView() {
  const table = h('div', { class: 'scroll' });
  const message = h('p', { class: 'error', role: 'alert' });
  const upload = uploadForm();
  let endpointsLoaded = false;
  const element = h(
    'section',
    { 'aria-labelledby': 'batches-title' },
    h('h2', { id: 'batches-title' }, 'Batches'),
    message,
    table,
    upload.element,
  );
  return {
    title: 'Batches',
    element,
    async refresh() {
      // Endpoints rarely change: read them once per visit of the page.
      if (!endpointsLoaded) {
        const { endpoints } = await api('endpoints');
        upload.setEndpoints(endpoints.map((e) => e.name));
        endpointsLoaded = true;
      }
      const { batches } = await api('batches');
      message.textContent = '';
      renderIfChanged(table, batches, renderTable);
    },
    showError: (e) => (message.textContent = e.message),
  };
}

function renderTable(batches) {
  if (!batches.length) return h('p', {}, 'No batches yet: upload a CSV below.');
  const rows = batches.map((batch) => {
    const { done, failed, total } = progress(batch);
    const left = eta(batch);
    return {
      cells: [
        h('a', { href: `#/batches/${encodeURIComponent(batch.id)}` }, batch.name),
        statusBadge(batch.status),
        progressBar(done, failed, total, `Progress of ${batch.name}`),
        left === undefined ? '—' : duration(left),
        time(batch.createdAt),
      ],
    };
  });
  return dataTable('Migration batches', ['Batch', 'Status', 'Progress', 'Time left', 'Created'], rows);
}

export function progressBar(done, failed, total, label) {
  const text = `${count(done)} of ${count(total)} done${failed ? `, ${count(failed)} failed` : ''}`;
  return h(
    'div',
    { class: 'progress' },
    h('progress', { max: Math.max(total, 1), value: done, 'aria-label': label }),
    h('span', {}, text),
  );
}

function uploadForm() {
  const source = h('select', { id: 'csv-source', name: 'sourceEndpoint' });
  const target = h('select', { id: 'csv-target', name: 'target' });
  const file = h('input', {
    id: 'csv-file',
    name: 'file',
    type: 'file',
    accept: '.csv,text/csv',
    required: true,
  });
  const name = h('input', { id: 'csv-name', name: 'name', required: true, maxlength: 64 });
  // Cutover (optional): the ldap endpoint whose users get targetAddress once their mailbox is ready.
  const directory = h('input', { id: 'csv-directory', name: 'directory', maxlength: 64 });
  const result = h('div', { 'aria-live': 'polite' });
  const pass = passOptionFields('csv');
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen && !name.value) name.value = chosen.name.replace(/\.csv$/i, '');
  });

  async function submit(event) {
    event.preventDefault();
    const data = new FormData(form);
    const csv = file.files?.[0];
    if (!csv) return;
    result.replaceChildren(h('p', {}, 'Uploading…'));
    try {
      const chosen = pass.values();
      const { batch } = await api('batches', {
        method: 'POST',
        body: csv,
        contentType: 'text/csv',
        query: {
          name: data.get('name'),
          sourceEndpoint: data.get('sourceEndpoint'),
          target: data.get('target'),
          autoStart: data.get('autoStart') ? 'true' : 'false',
          directory: data.get('directory')?.trim(),
          since: chosen.since,
          before: chosen.before,
          folderMap: Object.keys(chosen.folderMap).length ? JSON.stringify(chosen.folderMap) : undefined,
          mirrorDeletions: chosen.mirrorDeletions ? 'true' : undefined,
        },
      });
      form.reset();
      result.replaceChildren();
      window.location.hash = `#/batches/${encodeURIComponent(batch.id)}`;
    } catch (e) {
      result.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, e.message),
        validationTable(e.body?.errors),
      );
    }
  }

  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'upload-title', onsubmit: submit },
    h('h3', { id: 'upload-title' }, 'New batch from a CSV'),
    h(
      'div',
      { class: 'fields' },
      field('CSV file', file),
      field('Batch name', name),
      field('Source endpoint', source),
      field('Target endpoint', target),
      field('Source directory (optional, for forwarding)', directory),
      pass.elements,
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'autoStart', checked: true }),
        'Start at once',
      ),
    ),
    h('button', { type: 'submit' }, 'Upload'),
    result,
  );
  let shown = '';
  return {
    element: form,
    setEndpoints(names) {
      if (names.join('\n') === shown) return;
      shown = names.join('\n');
      for (const [select, preferred] of [
        [source, 'source'],
        [target, 'target'],
      ]) {
        const keep = select.value || (names.includes(preferred) ? preferred : names[0]);
        select.replaceChildren(...names.map((n) => h('option', { value: n, selected: n === keep }, n)));
      }
    },
  };
}

export function field(label, control) {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
}

/** CSV problems as a table: row, column, what is wrong and how to fix it. */
export function validationTable(errors) {
  if (!errors?.length) return null;
  const rows = errors.map((p) => ({
    cells: [p.row ?? '—', p.column ?? '—', [p.message, h('small', {}, ` (${p.code})`)]],
  }));
  return dataTable(`${errors.length} problem(s) in the CSV`, ['Row', 'Column', 'Problem'], rows, 'problems');
}
