import { api, json } from './api.mjs';
import { field } from './batch-list.mjs';
import { dataTable, h, renderIfChanged } from './dom.mjs';

/** Migration endpoints (where mail comes from and goes to), each with a connection test. */
export function endpointsView() {
  const list = h('div', { class: 'scroll' });
  const message = h('p', { class: 'error', role: 'alert' });
  const results = new Map(); // endpoint name -> element showing its last test result
  // With an admin proxy login (user*admin) the server may refuse the admin alone: test a mailbox.
  const mailbox = h('input', { id: 'test-mailbox', type: 'email', placeholder: 'jane.doe@contoso.com' });

  async function test(name, button) {
    const out = results.get(name);
    button.disabled = true;
    out.className = 'note';
    out.textContent = 'Testing…';
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
        'No endpoints yet. Add them with the CLI (mailferry endpoint add) or POST /api/endpoints.',
      );
    const rows = endpoints.map((e) => {
      if (!results.has(e.name)) results.set(e.name, h('span', { role: 'status' }));
      // A microsoft365 endpoint's mail server is Exchange Online's IMAP unless its settings say otherwise.
      const imap =
        e.type === 'microsoft365' ? { host: 'outlook.office365.com', ...e.settings?.imap } : e.settings;
      const server = imap?.host ? `${imap.host}${imap.port ? `:${imap.port}` : ''}` : '—';
      const button = h(
        'button',
        { type: 'button', 'aria-label': `Test connection to ${e.name}`, 'data-focus-key': e.name },
        'Test connection',
      );
      button.addEventListener('click', () => test(e.name, button));
      return {
        cells: [e.name, e.type, server, e.maxConcurrentMigrations, [button, ' ', results.get(e.name)]],
      };
    });
    const columns = ['Endpoint', 'Type', 'Server', { name: 'At once', class: 'num' }, 'Connection'];
    return dataTable('Migration endpoints', columns, rows);
  }

  return {
    title: 'Endpoints',
    element: h(
      'section',
      { 'aria-labelledby': 'endpoints-title' },
      h('h2', { id: 'endpoints-title' }, 'Endpoints'),
      message,
      field('Mailbox to test with (optional; default: the admin login)', mailbox),
      list,
    ),
    async refresh() {
      const { endpoints } = await api('endpoints');
      message.textContent = '';
      renderIfChanged(list, endpoints, renderList);
    },
    showError: (e) => (message.textContent = e.message),
  };
}
