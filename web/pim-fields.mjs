import { field } from './batch-list.mjs';
import { h } from './dom.mjs';
import { formControls } from './form-controls.mjs';

/**
 * The "contacts and calendars" part of a source IMAP endpoint: none, a CalDAV/CardDAV server
 * (`settings.dav`) or Exchange Web Services for Exchange 2007 (`settings.ews`). The block's own
 * password is write-only like the endpoint's: it goes to the secret store as `pimPasswords` and the
 * stored block keeps only a reference, which an edit leaves in place when the field stays empty.
 * Returns the fieldset and `apply(settings)` / `passwords()` for the form's save.
 */
export function pimFields(s, editing) {
  const dav = s.dav ?? {};
  const ews = s.ews ?? {};
  const { input, select, check } = formControls('pim');
  const kind = select(
    'kind',
    [
      ['none', 'Not migrated'],
      ['dav', 'CalDAV and CardDAV server'],
      ['ews', 'Exchange Web Services (Exchange 2007 SP1 or later)'],
    ],
    s.ews ? 'ews' : s.dav ? 'dav' : 'none',
  );
  const keepNote = editing ? ' (leave empty to keep)' : ' (optional)';

  const davUrl = input('davUrl', { value: dav.url ?? '', placeholder: 'https://dav.contoso.com/' });
  const davSecurity = select(
    'davSecurity',
    [
      ['tls', 'https only'],
      ['none', 'plain http (lab server)'],
    ],
    dav.security ?? 'tls',
  );
  const davLogin = input('davLogin', { value: dav.login ?? '', placeholder: '{email}' });
  const davZone = input('davZone', { value: dav.defaultTimeZone ?? '', placeholder: 'UTC' });
  const davPassword = input('davPassword', { type: 'password', autocomplete: 'new-password' });
  const davPart = h(
    'div',
    { class: 'pim-part' },
    field('DAV server URL', davUrl),
    field('DAV connection', davSecurity),
    field('DAV login ({email}, {user} or {domain})', davLogin),
    field('Time zone of floating times', davZone),
    field(`DAV password${keepNote}; default: the mailbox's own`, davPassword),
  );

  const ewsUrl = input('ewsUrl', {
    value: ews.url ?? '',
    placeholder: 'https://mail.contoso.com/EWS/Exchange.asmx',
  });
  const ewsAuth = select(
    'ewsAuth',
    [
      ['ntlm', 'NTLM (Integrated Windows authentication)'],
      ['basic', 'Basic'],
    ],
    ews.auth ?? 'ntlm',
  );
  const impersonation = input('ewsImpersonation', { type: 'checkbox', checked: ews.impersonation === true });
  const ewsAdmin = input('ewsAdmin', { value: ews.admin?.user ?? '', placeholder: 'migration-admin' });
  const ewsDomain = input('ewsDomain', { value: ews.admin?.domain ?? '', placeholder: 'CONTOSO' });
  const ewsInsecure = input('ewsInsecure', {
    type: 'checkbox',
    checked: ews.allowInvalidCertificates === true,
  });
  const ewsPassword = input('ewsPassword', { type: 'password', autocomplete: 'new-password' });
  const ewsPart = h(
    'div',
    { class: 'pim-part' },
    field('EWS URL', ewsUrl),
    field('EWS sign-in', ewsAuth),
    check('Open every mailbox as the admin (impersonation)', impersonation),
    field('Impersonating account', ewsAdmin),
    field('Its NetBIOS domain (NTLM)', ewsDomain),
    check('Accept a self-signed certificate (lab server)', ewsInsecure),
    field(`Impersonating account's password${keepNote}`, ewsPassword),
  );

  const show = () => {
    davPart.hidden = kind.value !== 'dav';
    ewsPart.hidden = kind.value !== 'ews';
    davUrl.required = kind.value === 'dav';
    ewsUrl.required = kind.value === 'ews';
  };
  kind.addEventListener('change', show);
  show();

  const element = h(
    'fieldset',
    { class: 'pim' },
    h('legend', {}, 'Contacts and calendars'),
    field('Read contacts and calendars from', kind),
    davPart,
    ewsPart,
  );

  /** Writes the chosen block into `out` (a copy of the stored settings) and drops the other. */
  function apply(out) {
    delete out.dav;
    delete out.ews;
    const text = (el) => el.value.trim();
    if (kind.value === 'dav') {
      out.dav = {
        url: text(davUrl),
        security: davSecurity.value,
        ...(text(davLogin) ? { login: text(davLogin) } : {}),
        ...(text(davZone) ? { defaultTimeZone: text(davZone) } : {}),
        // the stored secret reference stays unless a new password is given
        ...(dav.password && !davPassword.value ? { password: dav.password } : {}),
      };
    }
    if (kind.value === 'ews') {
      out.ews = {
        url: text(ewsUrl),
        auth: ewsAuth.value,
        impersonation: impersonation.checked,
        allowInvalidCertificates: ewsInsecure.checked,
        ...(text(ewsAdmin)
          ? { admin: { user: text(ewsAdmin), ...(text(ewsDomain) ? { domain: text(ewsDomain) } : {}) } }
          : {}),
        ...(ews.password && !ewsPassword.value ? { password: ews.password } : {}),
      };
    }
    return out;
  }

  /** The blocks' new passwords, for the API's `pimPasswords`; undefined when none was typed. */
  function passwords() {
    const out = {};
    if (kind.value === 'dav' && davPassword.value) out.dav = davPassword.value;
    if (kind.value === 'ews' && ewsPassword.value) out.ews = ewsPassword.value;
    return Object.keys(out).length ? out : undefined;
  }

  return { element, apply, passwords };
}
