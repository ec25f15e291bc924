import { readCertificatePem, type PemFault } from '../auth/pem';
import { readFileSync } from 'node:fs';
import type { Problems } from './problems';
import type { RawSettings, SettingName } from './schema';
import type { Hosting, M365Credential, M365Settings } from './types';

const FAULT_FIXES: Record<PemFault, (setting: SettingName) => string> = {
  'key-unreadable': (setting) =>
    `${setting} holds no readable unencrypted private key: export the certificate as PEM with its key (Key Vault: content type application/x-pem-file; openssl: -nodes).`,
  'certificate-unreadable': (setting) =>
    `${setting} holds a private key but no certificate: put both the key and the certificate in the PEM.`,
  'key-mismatch': (setting) => `${setting}: the private key does not belong to the certificate.`,
};

function certificateFrom(pem: string, setting: SettingName, problems: Problems): M365Credential | undefined {
  const read = readCertificatePem(pem);
  if (!read.ok) {
    problems.add('SETTING_INVALID', setting, FAULT_FIXES[read.fault](setting));
    return undefined;
  }
  const { privateKeyPem, certificatePem, thumbprintSha256, thumbprintSha1 } = read.value;
  return {
    kind: 'certificate',
    privateKeyPem,
    certificatePem,
    thumbprintSha256: thumbprintSha256.toLowerCase(),
    thumbprintSha1: thumbprintSha1.toLowerCase(),
  };
}

/** The Microsoft 365 app registration: tenant, client and its credential (a certificate, or a secret). */
export function resolveM365(
  raw: RawSettings,
  hosting: Hosting,
  problems: Problems,
): M365Settings | undefined {
  const names = [
    'M365_TENANT_ID',
    'M365_CLIENT_ID',
    'M365_CERTIFICATE_PEM',
    'M365_CERTIFICATE_PATH',
    'M365_CLIENT_SECRET',
  ] as const satisfies readonly SettingName[];
  const any = names.some((n) => raw[n] !== undefined || problems.has(n));
  if (!any && hosting === 'local') return undefined;
  const why =
    hosting === 'azure'
      ? 'on Azure mailferry signs in to Microsoft 365 as the app registration.'
      : 'other M365_* settings are set, so the Microsoft 365 app must be complete.';
  if (!raw.M365_TENANT_ID && !problems.has('M365_TENANT_ID')) problems.missing('M365_TENANT_ID', why);
  if (!raw.M365_CLIENT_ID && !problems.has('M365_CLIENT_ID')) problems.missing('M365_CLIENT_ID', why);

  let credential: M365Credential | undefined;
  if (raw.M365_CERTIFICATE_PEM && raw.M365_CERTIFICATE_PATH) {
    problems.add(
      'SETTING_CONFLICT',
      'M365_CERTIFICATE_PATH',
      'Set either M365_CERTIFICATE_PEM or M365_CERTIFICATE_PATH, not both.',
    );
  } else if (raw.M365_CERTIFICATE_PEM) {
    credential = certificateFrom(raw.M365_CERTIFICATE_PEM, 'M365_CERTIFICATE_PEM', problems);
  } else if (raw.M365_CERTIFICATE_PATH) {
    let pem: string | undefined;
    try {
      pem = readFileSync(raw.M365_CERTIFICATE_PATH, 'utf8');
    } catch {
      problems.add(
        'SETTING_INVALID',
        'M365_CERTIFICATE_PATH',
        'M365_CERTIFICATE_PATH names a file that cannot be read: check the path and its permissions.',
      );
    }
    if (pem !== undefined) credential = certificateFrom(pem, 'M365_CERTIFICATE_PATH', problems);
  } else if (raw.M365_CLIENT_SECRET) {
    credential = { kind: 'secret', clientSecret: raw.M365_CLIENT_SECRET };
  } else if (!names.slice(2).some((n) => problems.has(n))) {
    problems.missing(
      'M365_CERTIFICATE_PEM',
      `the app registration needs a credential (a certificate is preferred; M365_CLIENT_SECRET is the fallback); ${why}`,
    );
  }
  if (!raw.M365_TENANT_ID || !raw.M365_CLIENT_ID || !credential) return undefined;
  return {
    tenantId: raw.M365_TENANT_ID,
    clientId: raw.M365_CLIENT_ID,
    credential,
    authorityHost: raw.M365_AUTHORITY_HOST.replace(/\/+$/, ''),
    graphBaseUrl: raw.M365_GRAPH_BASE_URL.replace(/\/+$/, ''),
    licenseSkuId: raw.M365_LICENSE_SKU_ID,
  };
}
