import { api, json } from './api.mjs';
import { field } from './batch-list.mjs';
import { h } from './dom.mjs';
import { formControls, formEnd } from './form-controls.mjs';
import { pimFields } from './pim-fields.mjs';

/**
 * Create or edit an IMAP endpoint from the dashboard. The password is write-only: the form never
 * shows one, and leaving it empty when editing keeps the stored one. Every problem the service
 * finds comes back as `{code, message, field}` and is shown beside the form.
 */
export function endpointForm({ endpoint, onDone }) {
  const editing = Boolean(endpoint);
  const s = endpoint?.settings ?? {};
  const { input, select } = formControls('ep');
  const name = input('name', {
    required: true,
    value: endpoint?.name ?? '',
    disabled: editing,
    pattern: '[A-Za-z0-9][A-Za-z0-9._-]*',
  });
  const host = input('host', { required: true, value: s.host ?? '', placeholder: 'imap.contoso.com' });
  const port = input('port', { type: 'number', min: 1, max: 65535, value: s.port ?? '', placeholder: '993' });
  const security = select(
    'security',
    ['tls', 'starttls', 'none'].map((v) => [v, v]),
    s.security ?? 'tls',
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
  const pim = pimFields(s, editing);
  const { message, submit, elements: end } = formEnd(editing, onDone);

  function settings() {
    const out = pim.apply({ ...s, host: host.value.trim(), security: security.value });
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
    pim.element,
    end,
  );
  onSave(form, { submit, message, endpoint, name, type: 'imap', onDone }, async () => {
    const body = {
      settings: settings(),
      ...(password.value ? { password: password.value } : {}),
      ...(pim.passwords() ? { pimPasswords: pim.passwords() } : {}),
      ...(maxConcurrent.value ? { maxConcurrentMigrations: Number(maxConcurrent.value) } : {}),
    };
    return body;
  });
  return form;
}

/**
 * Create or edit a Microsoft 365 endpoint: one app registration for Exchange Online's IMAP
 * (app-only OAuth) and Graph. Its secret is the client secret or, preferred, the certificate PEM
 * (private key and certificate), uploaded as a file; like a password it is write-only.
 */
export function microsoft365Form({ endpoint, onDone }) {
  const editing = Boolean(endpoint);
  const s = endpoint?.settings ?? {};
  const { input, select } = formControls('m365');
  const name = input('name', { required: true, value: endpoint?.name ?? '', disabled: editing });
  const tenantId = input('tenantId', {
    required: true,
    value: s.tenantId ?? '',
    placeholder: 'contoso.onmicrosoft.com',
  });
  const clientId = input('clientId', {
    required: true,
    value: s.clientId ?? '',
    placeholder: 'application (client) id',
  });
  const credential = select(
    'credential',
    [
      ['certificate', 'Certificate (PEM with its private key)'],
      ['secret', 'Client secret'],
    ],
    s.credential ?? 'certificate',
  );
  const certificate = input('certificate', { type: 'file', accept: '.pem,.crt,.key,text/plain' });
  const secret = input('secret', {
    type: 'password',
    autocomplete: 'new-password',
    placeholder: editing ? 'unchanged' : '',
  });
  const transport = select(
    'mailTransport',
    [
      ['imap', 'Exchange Online IMAP (byte for byte)'],
      ['graph', 'Graph (for tenants without IMAP)'],
    ],
    s.mailTransport ?? 'imap',
  );
  const maxSize = input('maxMessageSizeMB', {
    type: 'number',
    min: 1,
    max: 150,
    value: s.maxMessageSizeMB ?? '',
    placeholder: '35',
  });
  const certificateField = field(
    editing ? 'Certificate PEM file (leave empty to keep)' : 'Certificate PEM file',
    certificate,
  );
  const secretField = field(editing ? 'Client secret (leave empty to keep)' : 'Client secret', secret);
  const showCredential = () => {
    certificateField.hidden = credential.value !== 'certificate';
    secretField.hidden = credential.value !== 'secret';
  };
  credential.addEventListener('change', showCredential);
  showCredential();
  const { message, submit, elements: end } = formEnd(editing, onDone);
  const form = h(
    'form',
    {
      class: 'card endpoint-form',
      'aria-label': editing ? `Edit endpoint ${endpoint.name}` : 'New Microsoft 365 endpoint',
    },
    h('h3', {}, editing ? `Edit ${endpoint.name}` : 'New Microsoft 365 endpoint'),
    h(
      'p',
      { class: 'note' },
      'The app needs IMAP.AccessAsApp and the Graph permissions listed in docs/exchange-online.md.',
    ),
    field('Name', name),
    field('Tenant', tenantId),
    field('Client id', clientId),
    field('Sign in with', credential),
    certificateField,
    secretField,
    field('Mail goes through', transport),
    field('Largest message, MB (MaxReceiveSize)', maxSize),
    end,
  );
  onSave(form, { submit, message, endpoint, name, type: 'microsoft365', onDone }, async () => {
    const file = certificate.files?.[0];
    const password = credential.value === 'certificate' ? (file ? await file.text() : '') : secret.value;
    const settings = {
      ...s,
      tenantId: tenantId.value.trim(),
      clientId: clientId.value.trim(),
      credential: credential.value,
      mailTransport: transport.value,
    };
    if (maxSize.value) settings.maxMessageSizeMB = Number(maxSize.value);
    else delete settings.maxMessageSizeMB;
    return { settings, ...(password ? { password } : {}) };
  });
  return form;
}

/**
 * Saves a form's endpoint when it is submitted: PUT for an edit, POST for a new one. A refusal is
 * shown beside the form with its code, and the form stays open to fix it.
 */
export function onSave(form, { submit, message, endpoint, name, type, onDone }, makeBody) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    try {
      const body = await makeBody();
      if (endpoint)
        await api(`endpoints/${encodeURIComponent(endpoint.name)}`, { method: 'PUT', ...json(body) });
      else await api('endpoints', { method: 'POST', ...json({ name: name.value.trim(), type, ...body }) });
      onDone(true);
    } catch (e) {
      message.textContent = `${e.message}${e.body?.code ? ` (${e.body.code})` : ''}`;
      submit.disabled = false;
    }
  });
}
