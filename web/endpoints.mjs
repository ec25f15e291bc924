/* global window */
import { api, json } from './api.mjs';
import { directoryForm } from './directory-form.mjs';
import { endpointForm, microsoft365Form } from './endpoint-form.mjs';
import { field } from './batch-list.mjs';
import { dataTable, h, renderIfChanged } from './dom.mjs';

/**
 * Migration endpoints (where mail comes from and goes to): created, edited and removed here, each
 * with a connection test.
 */
export function endpointsView() {
  const list = h('div', { class: 'scroll' });
  const editor = h('div');
  const addButton = h('button', { type: 'button', onclick: () => edit(undefined) }, 'New endpoint');
  const addM365Button = h(
    'button',
    { type: 'button', onclick: () => edit(undefined, 'microsoft365') },
    'New Microsoft 365 endpoint',
  );
  const addDirectoryButton = h(
    'button',
    { type: 'button', onclick: () => edit(undefined, 'ldap') },
    'New directory endpoint',
  );
  const addButtons = [addButton, addM365Button, addDirectoryButton];
  const FORMS = { imap: endpointForm, microsoft365: microsoft365Form, ldap: directoryForm };
  let known = [];
  let removeError = ''; // a refused removal stays on screen across polls until the next action

  function edit(endpoint, type = endpoint?.type ?? 'imap') {
    const form = FORMS[type]({
      endpoint,
      onDone: async (changed) => {
        editor.replaceChildren();
        for (const b of addButtons) b.hidden = false;
        if (changed) await view.refresh().catch(view.showError);
        addButton.focus();
      },
    });
    for (const b of addButtons) b.hidden = true;
    editor.replaceChildren(form);
    form.querySelector('input:not([disabled])')?.focus();
  }

  async function remove(name) {
    if (!window.confirm(`Remove endpoint ${name}? A batch that uses it keeps it.`)) return;
    try {
      await api(`endpoints/${encodeURIComponent(name)}`, { method: 'DELETE' });
      removeError = '';
    } catch (e) {
      removeError = `${name} not removed: ${e.message}`;
    }
    await view.refresh().catch(view.showError);
  }
  const message = h('p', { class: 'error', role: 'alert' });
  const results = new Map(); // endpoint name -> element showing its last test result
  // With an admin proxy login (user*admin) the server may refuse the admin alone: test a mailbox.
  const mailbox = h('input', { id: 'test-mailbox', type: 'email', placeholder: 'jane.doe@contoso.com' });

  async function test(name, button) {
    const out = results.get(name);
    button.disabled = true;
    out.className = 'note';
    out.textContent = 'Testing…';
    const endpoint = known.find((e) => e.name === name);
    // An admin that logs in only as others (a proxy login format) cannot be tested alone: ask.
    if (!mailbox.value.trim() && endpoint?.settings?.admin) {
      out.className = 'error';
      out.textContent = `${name} logs in as a mailbox through its admin: enter a mailbox to test with above.`;
      button.disabled = false;
      mailbox.focus();
      return;
    }
    try {
      const emailAddress = mailbox.value.trim() || undefined;
      const r = await api(`endpoints/${encodeURIComponent(name)}/test`, {
        method: 'POST',
        ...json({ emailAddress }),
      });
      out.className = 'ok';
      out.textContent = `Connected: logged in as ${r.loggedInAs} in ${r.ms} ms.`;
    } catch (e) {
      out.className = 'error';
      out.textContent = `Failed: ${e.message}`;
    } finally {
      button.disabled = false;
    }
  }

  function renderList(endpoints) {
    if (!endpoints.length)
      return h(
        'p',
        {},
        'No endpoints yet: add the source and the target with New endpoint (or mailferry endpoint add).',
      );
    const rows = endpoints.map((e) => {
      if (!results.has(e.name)) results.set(e.name, h('span', { role: 'status' }));
      // A microsoft365 endpoint's mail server is Exchange Online's IMAP unless its settings say otherwise.
      const imap =
        e.type === 'microsoft365' ? { host: 'outlook.office365.com', ...e.settings?.imap } : e.settings;
      // a directory (ldap) endpoint names its server by URL
      const server = imap?.host
        ? `${imap.host}${imap.port ? `:${imap.port}` : ''}`
        : (e.settings?.url ?? '—');
      const button = h(
        'button',
        { type: 'button', 'aria-label': `Test connection to ${e.name}`, 'data-focus-key': e.name },
        'Test connection',
      );
      button.addEventListener('click', () => test(e.name, button));
      // a contacts-and-calendars block says so beside the server
      const pim = e.settings?.ews ? ' + EWS' : e.settings?.dav ? ' + DAV' : '';
      const manage =
        e.type in FORMS
          ? [
              h('button', { type: 'button', 'aria-label': `Edit ${e.name}`, onclick: () => edit(e) }, 'Edit'),
              ' ',
            ]
          : [];
      manage.push(
        h(
          'button',
          { type: 'button', 'aria-label': `Remove ${e.name}`, onclick: () => remove(e.name) },
          'Remove',
        ),
      );
      return {
        cells: [
          e.name,
          e.type,
          `${server}${pim}`,
          e.maxConcurrentMigrations,
          [button, ' ', results.get(e.name)],
          manage,
        ],
      };
    });
    const columns = ['Endpoint', 'Type', 'Server', { name: 'At once', class: 'num' }, 'Connection', 'Manage'];
    return dataTable('Migration endpoints', columns, rows);
  }

  const view = {
    title: 'Endpoints',
    element: h(
      'section',
      { 'aria-labelledby': 'endpoints-title' },
      h('h2', { id: 'endpoints-title' }, 'Endpoints'),
      message,
      field('Mailbox to test with (optional; default: the admin login)', mailbox),
      list,
      h('div', { class: 'actions' }, addButton, ' ', addM365Button, ' ', addDirectoryButton),
      editor,
    ),
    async refresh() {
      const { endpoints } = await api('endpoints');
      known = endpoints;
      message.textContent = removeError;
      renderIfChanged(list, endpoints, renderList);
    },
    showError: (e) => (message.textContent = e.message),
  };
  return view;
}
