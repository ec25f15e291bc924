import { api, json } from './api.mjs';
import { field } from './batch-list.mjs';
import { h } from './dom.mjs';

/**
 * Create or edit an IMAP endpoint from the dashboard. The password is write-only: the form never
 * shows one, and leaving it empty when editing keeps the stored one. Every problem the service
 * finds comes back as `{code, message, field}` and is shown beside the form.
 */
let formCount = 0;

export function endpointForm({ endpoint, onDone }) {
  const n = ++formCount;
  const editing = Boolean(endpoint);
  const s = endpoint?.settings ?? {};
  const input = (name, attrs = {}) =>
    h('input', { id: `ep-${name}-${n}`, name, autocomplete: 'off', ...attrs });
  const name = input('name', {
    required: true,
    value: endpoint?.name ?? '',
    disabled: editing,
    pattern: '[A-Za-z0-9][A-Za-z0-9._-]*',
  });
  const host = input('host', { required: true, value: s.host ?? '', placeholder: 'imap.contoso.com' });
  const port = input('port', { type: 'number', min: 1, max: 65535, value: s.port ?? '', placeholder: '993' });
  const security = h(
    'select',
    { id: `ep-security-${n}`, name: 'security' },
    ['tls', 'starttls', 'none'].map((v) =>
      h('option', { value: v, selected: (s.security ?? 'tls') === v }, v),
    ),
  );
  const adminUser = input('adminUser', { value: s.admin?.user ?? '', placeholder: 'admin' });
  const loginFormat = input('loginFormat', {
    value: s.admin?.loginFormat ?? '',
    placeholder: '{user}*{admin}',
  });
  const maxSize = input('maxMessageSizeMB', {
    type: 'number',
    min: 1,
    max: 150,
    value: s.maxMessageSizeMB ?? '',
  });
  const maxConcurrent = input('maxConcurrent', {
    type: 'number',
    min: 1,
    value: endpoint?.maxConcurrentMigrations ?? '',
    placeholder: '20',
  });
  const password = input('password', {
    type: 'password',
    autocomplete: 'new-password',
    placeholder: editing ? 'unchanged' : '',
  });
  const message = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Create endpoint');

  function settings() {
    const out = { ...s, host: host.value.trim(), security: security.value };
    const number = (el) => (el.value === '' ? undefined : Number(el.value));
    if (number(port) !== undefined) out.port = number(port);
    else delete out.port;
    if (number(maxSize) !== undefined) out.maxMessageSizeMB = number(maxSize);
    else delete out.maxMessageSizeMB;
    if (adminUser.value.trim())
      out.admin = {
        user: adminUser.value.trim(),
        ...(loginFormat.value.trim() ? { loginFormat: loginFormat.value.trim() } : {}),
      };
    else delete out.admin;
    return out;
  }

  const form = h(
    'form',
    {
      class: 'card endpoint-form',
      'aria-label': editing ? `Edit endpoint ${endpoint.name}` : 'New endpoint',
    },
    h('h3', {}, editing ? `Edit ${endpoint.name}` : 'New IMAP endpoint'),
    field('Name', name),
    field('IMAP server', host),
    field('Port (default 993, or 143 without TLS)', port),
    field('Security', security),
    field('Admin user (for proxy logins)', adminUser),
    field('Admin login format', loginFormat),
    field(editing ? 'Password (leave empty to keep)' : 'Password', password),
    field('Largest message, MB (target)', maxSize),
    field('Mailboxes at once', maxConcurrent),
    message,
    h(
      'div',
      { class: 'actions' },
      submit,
      h('button', { type: 'button', onclick: () => onDone(false) }, 'Cancel'),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    const body = {
      settings: settings(),
      ...(password.value ? { password: password.value } : {}),
      ...(maxConcurrent.value ? { maxConcurrentMigrations: Number(maxConcurrent.value) } : {}),
    };
    try {
      if (editing)
        await api(`endpoints/${encodeURIComponent(endpoint.name)}`, { method: 'PUT', ...json(body) });
      else
        await api('endpoints', {
          method: 'POST',
          ...json({ name: name.value.trim(), type: 'imap', ...body }),
        });
      password.value = '';
      onDone(true);
    } catch (e) {
      message.textContent = `${e.message}${e.body?.code ? ` (${e.body.code})` : ''}`;
      submit.disabled = false;
    }
  });
  return form;
}
