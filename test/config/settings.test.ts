import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CodedError } from '../../shared/domain/errors';
import { ncrontabProblem } from '../../shared/config/ncrontab';
import {
  PLATFORM_SETTINGS,
  SETTING_NAMES,
  settingsSchema,
  type SettingName,
} from '../../shared/config/schema';
import { loadSettings, storageSettingsFrom, type SettingProblem } from '../../shared/config/settings';

/** Runs loadSettings expecting failure; returns the problems and the message an admin would read. */
function failures(env: NodeJS.ProcessEnv): { problems: SettingProblem[]; message: string } {
  try {
    loadSettings(env);
  } catch (e) {
    expect(e).toBeInstanceOf(CodedError);
    const err = e as CodedError;
    expect(err.code).toBe('SETTINGS_INVALID');
    return { problems: err.details.problems as SettingProblem[], message: err.message };
  }
  throw new Error('loadSettings accepted settings it should refuse');
}

let dir: string;
let pem: string;
let certOnly: string;
let sha256: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailferry-config-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=mailferry-test', '-days', '2',
    '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' }); // prettier-ignore
  certOnly = readFileSync(cert, 'utf8');
  pem = readFileSync(key, 'utf8') + certOnly;
  writeFileSync(join(dir, 'app.pem'), pem);
  const out = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256'], {
    encoding: 'utf8',
  });
  sha256 = out.split('=')[1]!.trim().replace(/:/g, '').toLowerCase();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const azure = (): NodeJS.ProcessEnv => ({
  WEBSITE_SITE_NAME: 'func-mailferry',
  WEBSITE_HOSTNAME: 'func-mailferry.azurewebsites.net',
  AzureWebJobsStorage__blobServiceUri: 'https://stmf.blob.core.windows.net',
  AzureWebJobsStorage__queueServiceUri: 'https://stmf.queue.core.windows.net/',
  AzureWebJobsStorage__tableServiceUri: 'https://stmf.table.core.windows.net/',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: '33333333-3333-3333-3333-333333333333',
  KEY_VAULT_URI: 'https://kv-mf.vault.azure.net/',
  M365_TENANT_ID: '11111111-1111-1111-1111-111111111111',
  M365_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
  M365_CERTIFICATE_PEM: pem,
});

describe('defaults', () => {
  test('an empty environment runs locally with every default applied', () => {
    const s = loadSettings({});
    expect(s.hosting).toBe('local');
    expect(s.storage).toEqual({ kind: 'embedded' });
    expect(s.dataDir).toBe(resolve('.mailferry'));
    expect(s.secretStore).toEqual({ kind: 'local', dataDir: resolve('.mailferry') });
    expect(s.incrementalSync).toEqual({
      schedule: '0 0 * * * *',
      defaultIntervalHours: 24,
      maxConcurrent: 20,
    });
    expect(s.maxConcurrentMigrations).toBe(20);
    expect(s.blobTriggerSource).toBe('LogsAndContainerScan');
    expect(s.m365).toBeUndefined();
    expect(s.smtp).toBeUndefined();
    expect(s.report).toEqual({ sender: undefined, recipients: [], dashboardUrl: 'http://127.0.0.1:7071/' });
    expect(s.logLevel).toBe('info');
  });

  test('on Azure the defaults switch to Event Grid, Key Vault and the platform host name', () => {
    const s = loadSettings(azure());
    expect(s.hosting).toBe('azure');
    expect(s.blobTriggerSource).toBe('EventGrid');
    expect(s.secretStore).toEqual({ kind: 'keyvault', vaultUri: 'https://kv-mf.vault.azure.net/' });
    expect(s.report.dashboardUrl).toBe('https://func-mailferry.azurewebsites.net/');
    expect(s.storage).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://stmf.blob.core.windows.net/',
      queueServiceUri: 'https://stmf.queue.core.windows.net/',
      tableServiceUri: 'https://stmf.table.core.windows.net/',
      managedIdentityClientId: '33333333-3333-3333-3333-333333333333',
    });
    expect(s.m365?.credential.kind).toBe('certificate');
    expect(s.m365?.authorityHost).toBe('https://login.microsoftonline.com');
  });

  test('explicit values win over defaults, with lists and numbers typed', () => {
    const s = loadSettings({
      MAILFERRY_MAX_CONCURRENT_MIGRATIONS: '5',
      MAILFERRY_INCREMENTAL_SYNC_SCHEDULE: '0 */30 * * * *',
      REPORT_SENDER: 'reports@contoso.com',
      REPORT_RECIPIENTS: 'a@contoso.com; b@contoso.com,',
      SMTP_HOST: 'smtp.contoso.com',
      SMTP_PORT: '465',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    });
    expect(s.maxConcurrentMigrations).toBe(5);
    expect(s.incrementalSync.schedule).toBe('0 */30 * * * *');
    expect(s.report.recipients).toEqual(['a@contoso.com', 'b@contoso.com']);
    expect(s.smtp).toEqual({ host: 'smtp.contoso.com', port: 465, secure: true, auth: undefined });
    expect(storageSettingsFrom(s)).toEqual({ connectionString: 'UseDevelopmentStorage=true' });
  });
});

describe('errors name every bad setting and the fix', () => {
  test('an empty Azure app lists all the missing settings at once', () => {
    const { problems, message } = failures({ MAILFERRY_HOSTING: 'azure' });
    const names = problems.map((p) => p.setting).sort();
    expect(names).toEqual(
      [
        'AzureWebJobsStorage__blobServiceUri',
        'AzureWebJobsStorage__queueServiceUri',
        'AzureWebJobsStorage__tableServiceUri',
        'KEY_VAULT_URI',
        'M365_CERTIFICATE_PEM',
        'M365_CLIENT_ID',
        'M365_TENANT_ID',
        'MAILFERRY_DASHBOARD_URL',
      ].sort(),
    );
    for (const name of names) expect(message).toContain(`- ${name}: ${name} is missing (`);
    expect(message).toContain('Set it to the vault URI, e.g. https://kv-mailferry.vault.azure.net/.');
    expect(problems.every((p) => p.code === 'SETTING_MISSING')).toBe(true);
  });

  test('malformed values are each reported with what a correct value looks like', () => {
    const { problems, message } = failures({
      MAILFERRY_MAX_CONCURRENT_MIGRATIONS: '0',
      MAILFERRY_MAX_CONCURRENT_INCREMENTAL_SYNCS: 'twenty',
      MAILFERRY_INCREMENTAL_SYNC_SCHEDULE: '0 * * * *',
      MAILFERRY_BLOB_TRIGGER_SOURCE: 'Polling',
      REPORT_RECIPIENTS: 'a@contoso.com;not-an-address',
      KEY_VAULT_URI: 'http://kv.vault.azure.net/',
      M365_CLIENT_ID: 'my-app',
    });
    expect(problems.map((p) => p.setting).sort()).toEqual(
      [
        'KEY_VAULT_URI',
        'M365_CLIENT_ID',
        'MAILFERRY_BLOB_TRIGGER_SOURCE',
        'MAILFERRY_INCREMENTAL_SYNC_SCHEDULE',
        'MAILFERRY_MAX_CONCURRENT_INCREMENTAL_SYNCS',
        'MAILFERRY_MAX_CONCURRENT_MIGRATIONS',
        'REPORT_RECIPIENTS',
        // M365_CLIENT_ID being set means the M365 app must be complete:
        'M365_TENANT_ID',
        'M365_CERTIFICATE_PEM',
      ].sort(),
    );
    expect(message).toContain(
      'MAILFERRY_MAX_CONCURRENT_MIGRATIONS: Set MAILFERRY_MAX_CONCURRENT_MIGRATIONS to a whole number from 1 to 1000',
    );
    expect(message).toContain('six-field NCRONTAB');
    expect(message).toContain('"LogsAndContainerScan" or "EventGrid"');
  });

  test('rules between settings: connection string on Azure, local secret store on Azure, half an SMTP login', () => {
    const { problems } = failures({
      ...azure(),
      AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=stmf;AccountKey=c2VjcmV0a2V5;',
      MAILFERRY_SECRET_STORE: 'local',
      MAILFERRY_API_KEY: 'a-very-long-api-key-value',
      SMTP_HOST: 'smtp.contoso.com',
      SMTP_USER: 'relay',
    });
    const byName = new Map(problems.map((p) => [p.setting, p]));
    expect(byName.get('AzureWebJobsStorage')?.code).toBe('SETTING_CONFLICT');
    expect(byName.get('MAILFERRY_SECRET_STORE')?.code).toBe('SETTING_CONFLICT');
    expect(byName.get('MAILFERRY_API_KEY')?.code).toBe('SETTING_CONFLICT');
    expect(byName.get('SMTP_PASSWORD')?.code).toBe('SETTING_MISSING');
  });

  test('no secret value ever appears in the error', () => {
    const secrets = {
      M365_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=https://kv-mf.vault.azure.net/secrets/m365/)',
      SMTP_PASSWORD: 'Smtp-Pa55word!',
      MAILFERRY_API_KEY: 'short',
      AzureWebJobsStorage: 'AccountKey=QUJDREVGR0hJSktMTU5PUA==',
    };
    const { problems, message } = failures({ M365_TENANT_ID: 'contoso.onmicrosoft.com', ...secrets });
    const all = message + JSON.stringify(problems);
    for (const value of Object.values(secrets)) expect(all).not.toContain(value);
    const byName = new Map(problems.map((p) => [p.setting, p]));
    expect(byName.get('M365_CLIENT_SECRET')?.code).toBe('SETTING_KEY_VAULT_REFERENCE_UNRESOLVED');
    expect(byName.get('M365_CLIENT_SECRET')?.message).toContain('Key Vault Secrets User');
    expect(byName.get('SMTP_USER')?.code).toBe('SETTING_MISSING');
    expect(byName.get('MAILFERRY_API_KEY')?.code).toBe('SETTING_INVALID');
    expect(byName.get('AzureWebJobsStorage')?.code).toBe('SETTING_INVALID');
  });
});

describe('the Microsoft 365 credential', () => {
  test('a PEM with key and certificate gives msal-node what it needs', () => {
    const s = loadSettings({ ...azure(), M365_CLIENT_SECRET: 'ignored-when-a-certificate-is-set' });
    const c = s.m365?.credential;
    expect(c?.kind).toBe('certificate');
    if (c?.kind !== 'certificate') return;
    expect(c.thumbprintSha256).toBe(sha256);
    expect(c.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(c.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  test('the same certificate from a file, locally', () => {
    const s = loadSettings({
      M365_TENANT_ID: 'contoso.onmicrosoft.com',
      M365_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
      M365_CERTIFICATE_PATH: join(dir, 'app.pem'),
    });
    expect(s.m365?.credential.kind === 'certificate' && s.m365.credential.thumbprintSha256).toBe(sha256);
  });

  test('a certificate without its key, or an unreadable file, is refused with the fix', () => {
    const noKey = failures({ ...azure(), M365_CERTIFICATE_PEM: certOnly }).problems;
    expect(noKey).toEqual([
      expect.objectContaining({
        setting: 'M365_CERTIFICATE_PEM',
        message: expect.stringContaining('no readable unencrypted private key'),
      }),
    ]);
    const noFile = failures({
      M365_TENANT_ID: 'contoso.onmicrosoft.com',
      M365_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
      M365_CERTIFICATE_PATH: join(dir, 'missing.pem'),
    }).problems;
    expect(noFile.map((p) => p.setting)).toEqual(['M365_CERTIFICATE_PATH']);
  });

  test('a client secret is accepted when there is no certificate', () => {
    const env: NodeJS.ProcessEnv = { ...azure(), M365_CLIENT_SECRET: 'resolved-secret-value' };
    delete env.M365_CERTIFICATE_PEM;
    expect(loadSettings(env).m365?.credential).toEqual({
      kind: 'secret',
      clientSecret: 'resolved-secret-value',
    });
  });
});

test('storageSettingsFrom turns identity-based storage into service URIs for the managed identity', () => {
  const storage = storageSettingsFrom(loadSettings(azure()));
  expect(storage.connectionString).toBe('');
  expect(storage.identity?.tableServiceUri).toMatch(/^https:\/\/.+\.table\.core\.windows\.net/);
  expect(storage.identity?.blobServiceUri).toMatch(/^https:\/\/.+\.blob\.core\.windows\.net/);
});

test.each([
  ['0 0 * * * *', undefined],
  ['0 */5 8-18 * * MON-FRI', undefined],
  ['0 30 9 1,15 Jan,Jul *', undefined],
  ['0 0 * * *', 'expected 6 fields'],
  ['0 60 * * * *', 'minute field must be within 0-59'],
  ['0 0 24 * * *', 'hour field must be within 0-23'],
  ['0 0 * * * FUNDAY', 'day-of-week field'],
  ['0 */0 * * * *', 'step of 0'],
])('NCRONTAB %s', (expr, problem) => {
  const found = ncrontabProblem(expr);
  if (problem === undefined) expect(found).toBeUndefined();
  else expect(found).toContain(problem);
});

describe('local.settings.example.json', () => {
  const example = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'local.settings.example.json'), 'utf8'),
  ) as {
    Values: Record<string, string>;
    Examples: Record<string, string>;
  };

  test('lists every setting the app reads (the platform-set ones excepted)', () => {
    const expected = SETTING_NAMES.filter((n) => !PLATFORM_SETTINGS.includes(n));
    expect(
      Object.keys(example.Values)
        .filter((k) => k !== 'FUNCTIONS_WORKER_RUNTIME')
        .sort(),
    ).toEqual([...expected].sort());
  });

  test('copied as is, it is a working local configuration', () => {
    const s = loadSettings(example.Values);
    expect(s.hosting).toBe('local');
    expect(s.storage).toEqual({ kind: 'embedded' });
  });

  test('every example is a valid value for its setting (Key Vault references are for Azure)', () => {
    for (const [name, value] of Object.entries(example.Examples)) {
      expect(SETTING_NAMES).toContain(name);
      expect(example.Values[name]).toBe('');
      if (value.startsWith('@Microsoft.KeyVault(')) continue;
      const field = settingsSchema.shape[name as SettingName];
      expect({ name, ok: field.safeParse(value).success }).toEqual({ name, ok: true });
    }
  });
});

test('docs/deploy.md documents every setting', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');
  const rows = new Set([...doc.matchAll(/^\| `(\w+)`\s+\|/gm)].map((m) => m[1]));
  const undocumented = SETTING_NAMES.filter((n) => !rows.has(n));
  expect(undocumented).toEqual([]);
});
