import { registrationSettings } from './registration';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CodedError, type ProblemDetail } from '../domain/errors';
import type { StorageSettings } from '../storage/clients';
import {
  DEFAULT_LOCAL_DASHBOARD_URL,
  settingMeta,
  settingsSchema,
  SETTING_NAMES,
  type RawSettings,
  type SettingName,
} from './schema';

/**
 * `loadSettings(env)` turns the environment into typed settings, or throws one CodedError that lists
 * every bad setting by name with the fix (not just the first), so an administrator fixes the app
 * settings in one pass. Values are never echoed: many of them are secrets.
 */

export type Hosting = 'local' | 'azure';

export type StorageConnection =
  /** Locally: a connection string (Azurite or a real account with a key). */
  | { kind: 'connectionString'; connectionString: string }
  /** On Azure: the managed identity, with the three service endpoints. */
  | {
      kind: 'identity';
      blobServiceUri: string;
      queueServiceUri: string;
      tableServiceUri: string;
      /** Client id of the user-assigned identity; undefined means the system-assigned one. */
      managedIdentityClientId: string | undefined;
    }
  /** Locally with no setting: the embedded runtime starts Azurite under the data folder. */
  | { kind: 'embedded' };

export type SecretStoreSettings = { kind: 'local'; dataDir: string } | { kind: 'keyvault'; vaultUri: string };

export type M365Credential =
  | {
      kind: 'certificate';
      /** PEM of the private key only (what msal-node's `clientCertificate.privateKey` takes). */
      privateKeyPem: string;
      /** PEM of the certificate (for `x5c`, subject name + issuer auth). */
      certificatePem: string;
      /** SHA-256 thumbprint as hex without colons (msal-node `thumbprintSha256`). */
      thumbprintSha256: string;
      /** SHA-1 thumbprint as hex without colons (what the Entra portal shows). */
      thumbprintSha1: string;
    }
  | { kind: 'secret'; clientSecret: string };

export interface M365Settings {
  tenantId: string;
  clientId: string;
  credential: M365Credential;
  authorityHost: string;
  graphBaseUrl: string;
  /** Licence to assign to a user without a mailbox; undefined means never assign. */
  licenseSkuId: string | undefined;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  auth: { user: string; pass: string } | undefined;
}

export interface Settings {
  hosting: Hosting;
  storage: StorageConnection;
  /**
   * Client id of the user-assigned managed identity (AZURE_CLIENT_ID, else the storage one), for
   * ManagedIdentityCredential / DefaultAzureCredential; undefined locally or with a system identity.
   */
  managedIdentityClientId: string | undefined;
  dataDir: string;
  /** Embedded runtime's API key; undefined means generate one on first start. */
  apiKey: string | undefined;
  secretStore: SecretStoreSettings;
  incrementalSync: {
    /** NCRONTAB of the timer that looks for due batches. */
    schedule: string;
    /** Default interval between a batch's incremental syncs. */
    defaultIntervalHours: number;
    maxConcurrent: number;
  };
  maxConcurrentMigrations: number;
  blobTriggerSource: 'LogsAndContainerScan' | 'EventGrid';
  /** Undefined when no Microsoft 365 app is configured (an IMAP-only setup, locally). */
  m365: M365Settings | undefined;
  report: {
    sender: string | undefined;
    recipients: string[];
    /** Base URL of the dashboard, ending in '/'. */
    dashboardUrl: string;
  };
  smtp: SmtpSettings | undefined;
  logLevel: RawSettings['MAILFERRY_LOG_LEVEL'];
  /** Process-wide byte budget for copies; undefined means the copy engine's default. */
  bytesInFlight: number | undefined;
}

export interface SettingProblem extends ProblemDetail {
  code: 'SETTING_INVALID' | 'SETTING_MISSING' | 'SETTING_CONFLICT' | 'SETTING_KEY_VAULT_REFERENCE_UNRESOLVED';
  setting: SettingName;
}

const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

class Problems {
  readonly list: SettingProblem[] = [];
  add(code: SettingProblem['code'], setting: SettingName, message: string): void {
    if (!this.list.some((p) => p.setting === setting)) this.list.push({ code, setting, message });
  }
  missing(setting: SettingName, why: string): void {
    const reason = why.replace(/\.$/, '');
    this.add(
      'SETTING_MISSING',
      setting,
      `${setting} is missing (${reason}). Set it to ${settingMeta(setting).expects}.`,
    );
  }
  has(setting: SettingName): boolean {
    return this.list.some((p) => p.setting === setting);
  }
}

/** Empty strings count as unset, as the Functions host treats them. */
function present(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SETTING_NAMES) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') out[name] = v.trim();
  }
  return out;
}

/** Field-by-field checks; failing fields are reported and dropped so the cross-field rules still run. */
function parseFields(values: Record<string, string>, problems: Problems): RawSettings {
  for (const [name, value] of Object.entries(values)) {
    if (KEY_VAULT_REFERENCE.test(value)) {
      problems.add(
        'SETTING_KEY_VAULT_REFERENCE_UNRESOLVED',
        name as SettingName,
        `${name} is a Key Vault reference the platform could not resolve: give the app's identity the "Key Vault Secrets User" role on the vault, set the app's keyVaultReferenceIdentity to that identity, and check the vault and secret names.`,
      );
      delete values[name];
    }
  }
  const first = settingsSchema.safeParse(values);
  if (first.success) return first.data;
  for (const issue of first.error.issues) {
    const name = issue.path[0] as SettingName;
    problems.add('SETTING_INVALID', name, `Set ${name} to ${settingMeta(name).expects}.`);
    delete values[name];
  }
  return settingsSchema.parse(values);
}

function detectHosting(raw: RawSettings): Hosting {
  return raw.MAILFERRY_HOSTING ?? (raw.WEBSITE_SITE_NAME ? 'azure' : 'local');
}

const IDENTITY_URIS = [
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
] as const satisfies readonly SettingName[];

function looksLikeConnectionString(cs: string): boolean {
  const keys = new Set(
    cs
      .split(';')
      .map((p) => p.split('=')[0]?.trim().toLowerCase())
      .filter(Boolean),
  );
  return /^UseDevelopmentStorage=true;?$/i.test(cs) || keys.has('blobendpoint') || keys.has('accountname');
}

function resolveStorage(raw: RawSettings, hosting: Hosting, problems: Problems): StorageConnection {
  const cs = raw.AzureWebJobsStorage;
  const identityGiven =
    raw.AzureWebJobsStorage__accountName !== undefined || IDENTITY_URIS.some((n) => raw[n] !== undefined);
  if (raw.AzureWebJobsStorage__clientId && raw.AzureWebJobsStorage__credential !== 'managedidentity') {
    problems.add(
      'SETTING_MISSING',
      'AzureWebJobsStorage__credential',
      'Set AzureWebJobsStorage__credential to "managedidentity": AzureWebJobsStorage__clientId is only used with it.',
    );
  }
  if (cs !== undefined) {
    if (hosting === 'azure') {
      problems.add(
        'SETTING_CONFLICT',
        'AzureWebJobsStorage',
        'Remove AzureWebJobsStorage on Azure: the storage account has shared-key access off; use AzureWebJobsStorage__blobServiceUri, __queueServiceUri, __tableServiceUri, __credential=managedidentity and __clientId (infra/ sets them).',
      );
    } else if (identityGiven) {
      problems.add(
        'SETTING_CONFLICT',
        'AzureWebJobsStorage',
        'Set either AzureWebJobsStorage (a connection string) or the AzureWebJobsStorage__* identity settings, not both: the host would use the connection string and ignore the identity.',
      );
    } else if (!looksLikeConnectionString(cs)) {
      problems.add(
        'SETTING_INVALID',
        'AzureWebJobsStorage',
        `Set AzureWebJobsStorage to ${settingMeta('AzureWebJobsStorage').expects}.`,
      );
    }
    return { kind: 'connectionString', connectionString: cs };
  }
  if (!identityGiven) {
    if (hosting === 'azure') {
      for (const name of IDENTITY_URIS) {
        problems.missing(
          name,
          'the Functions host and mailferry reach storage through the managed identity.',
        );
      }
    }
    return { kind: 'embedded' };
  }
  const account = raw.AzureWebJobsStorage__accountName;
  const uri = (name: (typeof IDENTITY_URIS)[number], service: string): string => {
    const given = raw[name];
    if (given) return given.endsWith('/') ? given : `${given}/`;
    if (account) return `https://${account}.${service}.core.windows.net/`;
    if (!problems.has(name))
      problems.missing(name, 'the other identity-based storage settings are set without it.');
    return '';
  };
  return {
    kind: 'identity',
    blobServiceUri: uri('AzureWebJobsStorage__blobServiceUri', 'blob'),
    queueServiceUri: uri('AzureWebJobsStorage__queueServiceUri', 'queue'),
    tableServiceUri: uri('AzureWebJobsStorage__tableServiceUri', 'table'),
    managedIdentityClientId: raw.AzureWebJobsStorage__clientId,
  };
}

function resolveSecretStore(
  raw: RawSettings,
  hosting: Hosting,
  dataDir: string,
  problems: Problems,
): SecretStoreSettings {
  const kind = raw.MAILFERRY_SECRET_STORE ?? (hosting === 'azure' ? 'keyvault' : 'local');
  if (kind === 'local') {
    if (hosting === 'azure') {
      problems.add(
        'SETTING_CONFLICT',
        'MAILFERRY_SECRET_STORE',
        'Set MAILFERRY_SECRET_STORE to "keyvault" on Azure: the local store is a file on one instance\'s temporary disk, lost on scale-in.',
      );
    }
    return { kind: 'local', dataDir };
  }
  if (!raw.KEY_VAULT_URI) {
    if (!problems.has('KEY_VAULT_URI')) problems.missing('KEY_VAULT_URI', 'the secret store is Key Vault.');
    return { kind: 'keyvault', vaultUri: '' };
  }
  return { kind: 'keyvault', vaultUri: raw.KEY_VAULT_URI };
}

function hex(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase();
}

function certificateFrom(pem: string, setting: SettingName, problems: Problems): M365Credential | undefined {
  let key: KeyObject;
  let cert: X509Certificate;
  try {
    key = createPrivateKey(pem);
  } catch {
    problems.add(
      'SETTING_INVALID',
      setting,
      `${setting} holds no readable unencrypted private key: export the certificate as PEM with its key (Key Vault: content type application/x-pem-file; openssl: -nodes).`,
    );
    return undefined;
  }
  try {
    cert = new X509Certificate(pem);
  } catch {
    problems.add(
      'SETTING_INVALID',
      setting,
      `${setting} holds a private key but no certificate: put both the key and the certificate in the PEM.`,
    );
    return undefined;
  }
  if (!cert.checkPrivateKey(key)) {
    problems.add(
      'SETTING_INVALID',
      setting,
      `${setting}: the private key does not belong to the certificate.`,
    );
    return undefined;
  }
  const certificatePem = cert.toString();
  return {
    kind: 'certificate',
    privateKeyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certificatePem,
    thumbprintSha256: hex(cert.fingerprint256),
    thumbprintSha1: hex(cert.fingerprint),
  };
}

function resolveM365(raw: RawSettings, hosting: Hosting, problems: Problems): M365Settings | undefined {
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

function resolveSmtp(raw: RawSettings, problems: Problems): SmtpSettings | undefined {
  if ((raw.SMTP_USER === undefined) !== (raw.SMTP_PASSWORD === undefined)) {
    const missing = raw.SMTP_USER === undefined ? 'SMTP_USER' : 'SMTP_PASSWORD';
    if (!problems.has(missing))
      problems.missing(missing, 'the SMTP login needs both the user and the password.');
  }
  if (!raw.SMTP_HOST) {
    if (raw.SMTP_USER !== undefined && !problems.has('SMTP_HOST')) {
      problems.missing('SMTP_HOST', 'SMTP_USER is set, so reports are meant to go through an SMTP relay.');
    }
    return undefined;
  }
  return {
    host: raw.SMTP_HOST,
    port: raw.SMTP_PORT,
    secure: raw.SMTP_SECURE ?? raw.SMTP_PORT === 465,
    auth: raw.SMTP_USER && raw.SMTP_PASSWORD ? { user: raw.SMTP_USER, pass: raw.SMTP_PASSWORD } : undefined,
  };
}

function resolveDashboardUrl(raw: RawSettings, hosting: Hosting, problems: Problems): string {
  const url =
    raw.MAILFERRY_DASHBOARD_URL ??
    (hosting === 'local'
      ? DEFAULT_LOCAL_DASHBOARD_URL
      : raw.WEBSITE_HOSTNAME
        ? `https://${raw.WEBSITE_HOSTNAME}/`
        : undefined);
  if (url === undefined) {
    if (!problems.has('MAILFERRY_DASHBOARD_URL')) {
      problems.missing(
        'MAILFERRY_DASHBOARD_URL',
        'report mails link to it and the platform did not set WEBSITE_HOSTNAME.',
      );
    }
    return '';
  }
  return url.endsWith('/') ? url : `${url}/`;
}

/** Reads and checks every setting; throws CodedError `SETTINGS_INVALID` with `problems: SettingProblem[]`. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems = new Problems();
  const raw = parseFields(present(env), problems);
  const hosting = detectHosting(raw);

  const dataDir = resolve(
    raw.MAILFERRY_DATA_DIR ?? (hosting === 'azure' ? join(tmpdir(), 'mailferry') : '.mailferry'),
  );
  const storage = resolveStorage(raw, hosting, problems);
  const secretStore = resolveSecretStore(raw, hosting, dataDir, problems);
  if (hosting === 'azure' && raw.MAILFERRY_API_KEY !== undefined) {
    problems.add(
      'SETTING_CONFLICT',
      'MAILFERRY_API_KEY',
      'Remove MAILFERRY_API_KEY on Azure: the HTTP functions are protected by function keys there, and a key in app settings is a secret in plain sight.',
    );
  }
  const m365 = resolveM365(raw, hosting, problems);
  const smtp = resolveSmtp(raw, problems);
  const recipients = raw.REPORT_RECIPIENTS ?? [];
  if (recipients.length > 0 && !raw.REPORT_SENDER && !problems.has('REPORT_SENDER')) {
    problems.missing('REPORT_SENDER', 'REPORT_RECIPIENTS is set, and report mails need a sender.');
  }
  if (raw.REPORT_SENDER && !smtp && !m365 && !problems.list.some((p) => p.setting.startsWith('M365_'))) {
    problems.add(
      'SETTING_MISSING',
      'SMTP_HOST',
      'Set SMTP_HOST (an SMTP relay) or the M365_* settings (Graph sendMail): REPORT_SENDER is set but there is no way to send mail.',
    );
  }
  const dashboardUrl = resolveDashboardUrl(raw, hosting, problems);

  if (problems.list.length > 0) {
    const lines = problems.list.map((p) => `- ${p.setting}: ${p.message}`);
    throw new CodedError(
      'SETTINGS_INVALID',
      `mailferry cannot start: ${problems.list.length} app setting(s) need fixing.\n${lines.join('\n')}`,
      { problems: problems.list },
    );
  }

  return {
    hosting,
    storage,
    managedIdentityClientId: raw.AZURE_CLIENT_ID ?? raw.AzureWebJobsStorage__clientId,
    dataDir,
    apiKey: raw.MAILFERRY_API_KEY,
    secretStore,
    incrementalSync: {
      schedule: raw.MAILFERRY_INCREMENTAL_SYNC_SCHEDULE,
      defaultIntervalHours: raw.MAILFERRY_INCREMENTAL_SYNC_INTERVAL_HOURS,
      maxConcurrent: raw.MAILFERRY_MAX_CONCURRENT_INCREMENTAL_SYNCS,
    },
    maxConcurrentMigrations: raw.MAILFERRY_MAX_CONCURRENT_MIGRATIONS,
    // The same default the trigger registered with (every value is valid by now).
    blobTriggerSource: registrationSettings(env).blobTriggerSource,
    m365,
    report: { sender: raw.REPORT_SENDER, recipients, dashboardUrl },
    smtp,
    logLevel: raw.MAILFERRY_LOG_LEVEL,
    bytesInFlight: raw.MAILFERRY_BYTES_IN_FLIGHT,
  };
}

/**
 * The `StorageSettings` shared/storage/clients.ts takes, for the connection-string case (locally).
 * Identity-based storage (Azure) and the not-yet-started embedded Azurite have no connection string:
 * the caller builds clients from `settings.storage` with a credential, or passes the string the
 * embedded runtime hands out.
 */
export function storageSettingsFrom(settings: Pick<Settings, 'storage'>): StorageSettings {
  const s = settings.storage;
  if (s.kind === 'connectionString') return { connectionString: s.connectionString };
  if (s.kind === 'identity') {
    return {
      connectionString: '',
      identity: {
        blobServiceUri: s.blobServiceUri,
        tableServiceUri: s.tableServiceUri,
        clientId: s.managedIdentityClientId,
      },
    };
  }
  throw new CodedError(
    'settings.storageNotConnectionString',
    'No AzureWebJobsStorage connection string is set: start the embedded runtime (it starts Azurite) or set AzureWebJobsStorage.',
    { storageKind: s.kind },
  );
}
