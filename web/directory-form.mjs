import { field } from './batch-list.mjs';
import { h } from './dom.mjs';
import { onSave } from './endpoint-form.mjs';
import { formControls, formEnd } from './form-controls.mjs';

/**
 * Create or edit a directory (`ldap`) endpoint: the on-premises Active Directory whose users get
 * their targetAddress at cutover. The bind password is write-only; a private CA's certificate is
 * uploaded as a PEM file and, when editing, kept unless a new file is chosen.
 */
export function directoryForm({ endpoint, onDone }) {
  const editing = Boolean(endpoint);
  const s = endpoint?.settings ?? {};
  const { input, select } = formControls('ldap');
  const name = input('name', { required: true, value: endpoint?.name ?? '', disabled: editing });
  const url = input('url', {
    required: true,
    value: s.url ?? '',
    placeholder: 'ldaps://dc1.contoso.com',
    pattern: '[Ll][Dd][Aa][Pp][Ss]?://[^/\\s]+/?',
  });
  const security = select(
    'security',
    [
      ['', 'From the URL (ldaps: TLS, ldap: StartTLS)'],
      ['tls', 'TLS (ldaps://)'],
      ['starttls', 'StartTLS (ldap://)'],
      ['none', 'None (loopback or lab directory only)'],
    ],
    s.security ?? '',
  );
  const bindDn = input('bindDn', {
    required: true,
    value: s.bindDn ?? '',
    placeholder: 'CN=mailferry,OU=Service,DC=contoso,DC=com',
  });
  const baseDn = input('baseDn', { required: true, value: s.baseDn ?? '', placeholder: 'DC=contoso,DC=com' });
  const findBy = select(
    'findBy',
    [
      ['mail', 'mail'],
      ['proxyAddresses', 'proxyAddresses (smtp:)'],
      ['userPrincipalName', 'userPrincipalName'],
    ],
    s.findBy ?? 'mail',
  );
  const ca = input('caCertificate', { type: 'file', accept: '.pem,.crt,.cer,text/plain' });
  const password = input('password', {
    type: 'password',
    autocomplete: 'new-password',
    required: !editing,
    placeholder: editing ? 'unchanged' : '',
  });
  const { message, submit, elements: end } = formEnd(editing, onDone);
  const form = h(
    'form',
    {
      class: 'card endpoint-form',
      'aria-label': editing ? `Edit endpoint ${endpoint.name}` : 'New directory endpoint',
    },
    h('h3', {}, editing ? `Edit ${endpoint.name}` : 'New directory (LDAP) endpoint'),
    h(
      'p',
      { class: 'note' },
      'The account needs write access to targetAddress on the users a batch names (cutover forwarding).',
    ),
    field('Name', name),
    field('Directory URL', url),
    field('Security', security),
    field('Bind as (DN)', bindDn),
    field('Search under (base DN)', baseDn),
    field('Find a mailbox by', findBy),
    field(
      editing && s.caCertificatePem
        ? 'Private CA certificate, PEM (leave empty to keep)'
        : 'Private CA certificate, PEM (optional)',
      ca,
    ),
    field(editing ? 'Bind password (leave empty to keep)' : 'Bind password', password),
    end,
  );
  onSave(form, { submit, message, endpoint, name, type: 'ldap', onDone }, async () => {
    const file = ca.files?.[0];
    const settings = {
      ...s,
      url: url.value.trim(),
      bindDn: bindDn.value.trim(),
      baseDn: baseDn.value.trim(),
      findBy: findBy.value,
    };
    if (security.value) settings.security = security.value;
    else delete settings.security;
    if (file) settings.caCertificatePem = await file.text();
    return { settings, ...(password.value ? { password: password.value } : {}) };
  });
  return form;
}
