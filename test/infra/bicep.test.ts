import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodedError } from '../../shared/domain/errors';
import {
  HOST_READ_SETTINGS,
  PLATFORM_SETTINGS,
  SETTING_NAMES,
  settingMeta,
  type SettingName,
} from '../../shared/config/schema';
import { loadSettings, type SettingProblem } from '../../shared/config/settings';
import {
  checkBalanced,
  literal,
  mask,
  modules,
  objectAt,
  params,
  readRepoFile,
  REPO,
  topLevelEntries,
  varObject,
} from './bicep-text';

/**
 * No Bicep compiler runs here, so these tests read the Bicep text: the app settings infra/ gives the
 * function app must satisfy the app's own config schema on Azure (loadSettings is the judge), every
 * storage connection a binding uses must have its identity-based settings, and the modules must be
 * wired with the parameters they declare.
 */

const MAIN = readRepoFile('infra/main.bicep');
const APP = readRepoFile('infra/modules/functionapp.bicep');
const BICEP_FILES = [
  'infra/main.bicep',
  ...readdirSync(join(REPO, 'infra/modules')).map((f) => `infra/modules/${f}`),
];

/** Every `var <x>Settings` block of functionapp.bicep: the app settings, as key → Bicep expression. */
const settingVars = [...APP.matchAll(/^var\s+(\w+Settings)\s*=/gm)].map((m) => m[1] as string);
const required = varObject(APP, 'requiredSettings');
const allSettings = new Map<string, string>();
for (const v of settingVars) for (const [k, e] of varObject(APP, v)) allSettings.set(k, e);

// What ARM resolves at deployment time, as a sample.
const GUID = (d: string) => `${d.repeat(8)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(4)}-${d.repeat(12)}`;
const ARM_VALUES: Record<string, string> = {
  storageBlobEndpoint: 'https://stmfabc.blob.core.windows.net/',
  storageQueueEndpoint: 'https://stmfabc.queue.core.windows.net/',
  storageTableEndpoint: 'https://stmfabc.table.core.windows.net/',
  identityClientId: GUID('3'),
  applicationInsightsConnectionString: `InstrumentationKey=${GUID('4')};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`,
  keyVaultName: 'kv-mf-abc',
  keyVaultUri: 'https://kv-mf-abc.vault.azure.net/',
  m365TenantId: GUID('1'),
  m365ClientId: GUID('2'),
  dashboardTenantId: GUID('1'),
  'site.properties.defaultHostName': 'func-mailferry-abc.azurewebsites.net',
};
const MAIN_PARAMS = params(MAIN);

/** Evaluates the small expression language the app settings use, with main.bicep's defaults. */
function evaluate(expr: string): string {
  const lit = literal(expr);
  if (lit !== undefined) return lit;
  if (/^'.*'$/s.test(expr)) {
    return expr.slice(1, -1).replace(/\$\{([^}]+)\}/g, (_, inner: string) => evaluate(inner.trim()));
  }
  const str = /^string\((\w+)\)$/.exec(expr);
  if (str) return evaluate(str[1] as string);
  const known = ARM_VALUES[expr];
  if (known !== undefined) return known;
  const v = new RegExp(`^var\\s+${expr}\\s*=\\s*(.+)$`, 'm').exec(APP);
  if (v) return evaluate((v[1] as string).trim());
  const fromMain = MAIN_PARAMS.get(expr)?.defaultText;
  if (fromMain !== undefined) return evaluate(fromMain);
  if (/^\d+$/.test(expr)) return expr;
  throw new Error(`test cannot evaluate Bicep expression "${expr}": add a sample to ARM_VALUES`);
}

let dir: string;
let pem: string;
/** The platform resolves Key Vault references before the app reads its settings. */
const VAULT: Record<string, () => string> = {
  'm365-app-certificate': () => pem,
  'smtp-password': () => 'resolved-smtp-password',
};

function resolveKeyVaultReference(value: string): string {
  const m = /^@Microsoft\.KeyVault\(VaultName=([^;]+);SecretName=([^)]+)\)$/.exec(value);
  if (!m) return value;
  expect(m[1]).toBe(ARM_VALUES.keyVaultName);
  const secret = VAULT[m[2] as string];
  if (!secret) throw new Error(`Key Vault reference to unknown secret ${m[2]}`);
  return secret();
}

function azureEnv(settings: Map<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    WEBSITE_SITE_NAME: 'func-mailferry-abc',
    WEBSITE_HOSTNAME: ARM_VALUES['site.properties.defaultHostName'],
  };
  for (const [k, e] of settings) env[k] = resolveKeyVaultReference(evaluate(e));
  return env;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailferry-infra-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=mailferry-infra-test', '-days', '2',
    '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
  ], { stdio: 'ignore' }); // prettier-ignore
  pem = readFileSync(join(dir, 'k.pem'), 'utf8') + readFileSync(join(dir, 'c.pem'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('app settings in infra/ against the config schema', () => {
  test('every setting the schema requires on Azure is among the settings every deployment gets', () => {
    let problems: SettingProblem[] = [];
    try {
      loadSettings({ MAILFERRY_HOSTING: 'azure' });
    } catch (e) {
      problems = (e as CodedError).details.problems as SettingProblem[];
    }
    const requiredOnAzure = problems.map((p) => p.setting);
    expect(requiredOnAzure.length).toBeGreaterThan(5);
    const missing = requiredOnAzure.filter((name) => !required.has(name));
    expect(missing).toEqual([]);
  });

  test('the settings infra/ produces load on Azure, with identity storage, Key Vault and Event Grid', () => {
    const s = loadSettings(azureEnv(required));
    expect(s.hosting).toBe('azure');
    expect(s.storage.kind).toBe('identity');
    expect(s.secretStore).toEqual({ kind: 'keyvault', vaultUri: ARM_VALUES.keyVaultUri });
    expect(s.blobTriggerSource).toBe('EventGrid');
    expect(s.m365?.credential.kind).toBe('certificate');
    expect(s.incrementalSync.schedule).toBe('0 0 * * * *');
    expect(s.managedIdentityClientId).toBe(ARM_VALUES.identityClientId);
    expect(s.report.dashboardUrl).toBe('https://func-mailferry-abc.azurewebsites.net/');
  });

  test('with every optional setting switched on, they still load', () => {
    const env = azureEnv(allSettings);
    // The optional blocks use the optional parameters; give them the values an operator would.
    Object.assign(env, {
      M365_LICENSE_SKU_ID: GUID('5'),
      REPORT_SENDER: 'reports@contoso.com',
      REPORT_RECIPIENTS: 'admin@contoso.com',
      SMTP_HOST: 'smtp.contoso.com',
      SMTP_USER: 'relay',
    });
    expect(loadSettings(env).smtp?.port).toBe(587);
  });

  test('every app setting is one the app or the platform reads; none is deprecated on Flex Consumption', () => {
    const known = new Set<string>([...SETTING_NAMES, ...HOST_READ_SETTINGS]);
    const unknown = [...allSettings.keys()].filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
    for (const k of allSettings.keys()) expect(PLATFORM_SETTINGS).not.toContain(k);
    for (const banned of [
      'FUNCTIONS_WORKER_RUNTIME',
      'FUNCTIONS_EXTENSION_VERSION',
      'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
      'WEBSITE_RUN_FROM_PACKAGE',
      'AzureWebJobsStorage',
      'MAILFERRY_API_KEY',
    ]) {
      expect(allSettings.has(banned)).toBe(false);
    }
  });

  test('every secret setting is a Key Vault reference, never a value', () => {
    for (const [k, e] of allSettings) {
      if (!(SETTING_NAMES as string[]).includes(k) || !settingMeta(k as SettingName).secret) continue;
      expect(evaluate(e)).toMatch(/^@Microsoft\.KeyVault\(VaultName=[^;]+;SecretName=[^)]+\)$/);
    }
  });

  test('every settings block reaches the app (none is defined and forgotten)', () => {
    const appSettings = objectAt(APP, APP.search(/^resource appSettings /m));
    const union = topLevelEntries(appSettings).get('properties') ?? '';
    for (const v of settingVars) expect(union).toContain(v);
  });
});

/** Binding connection names in the app's source: `connection: 'Name'` (default AzureWebJobsStorage). */
function bindingConnections(): Set<string> {
  const names = new Set(['AzureWebJobsStorage']);
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts'))
        for (const m of readFileSync(p, 'utf8').matchAll(/connection:\s*'([^']+)'/g))
          names.add(m[1] as string);
    }
  };
  for (const d of ['functions', 'orchestrators', 'activities']) walk(join(REPO, d));
  const host = JSON.parse(readRepoFile('host.json'));
  const durable = host.extensions?.durableTask?.storageProvider?.connectionName;
  if (durable) names.add(durable);
  return names;
}

test('every storage connection (bindings, Durable task hub) has its identity-based settings and no connection string', () => {
  for (const name of bindingConnections()) {
    expect(required.has(name)).toBe(false);
    expect(evaluate(required.get(`${name}__credential`) ?? "''")).toBe('managedidentity');
    expect(evaluate(required.get(`${name}__clientId`) ?? "''")).toBe(ARM_VALUES.identityClientId);
    const services = name === 'AzureWebJobsStorage' ? ['blob', 'queue', 'table'] : ['blob'];
    for (const svc of services) {
      expect(evaluate(required.get(`${name}__${svc}ServiceUri`) ?? "''")).toMatch(
        new RegExp(`^https://\\S+\\.${svc}\\.`),
      );
    }
  }
});

describe('the resources are wired as docs/deploy.md says', () => {
  test('every Bicep file has balanced brackets', () => {
    for (const f of BICEP_FILES) expect(() => checkBalanced(readRepoFile(f))).not.toThrow();
  });

  test('each module gets exactly the parameters it declares (required ones included)', () => {
    for (const use of modules(MAIN)) {
      const declared = params(readRepoFile(join('infra', use.path)));
      const passed = [...use.params.keys()];
      expect({ module: use.path, unknown: passed.filter((p) => !declared.has(p)) }).toEqual({
        module: use.path,
        unknown: [],
      });
      const requiredParams = [...declared].filter(([, p]) => p.defaultText === undefined).map(([n]) => n);
      expect({ module: use.path, missing: requiredParams.filter((p) => !use.params.has(p)) }).toEqual({
        module: use.path,
        missing: [],
      });
    }
  });

  test('main.parameters.json covers every required parameter and names only real ones', () => {
    const file = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
      parameters: Record<string, unknown>;
    };
    const given = Object.keys(file.parameters);
    expect(given.filter((p) => !MAIN_PARAMS.has(p))).toEqual([]);
    const requiredParams = [...MAIN_PARAMS].filter(([, p]) => p.defaultText === undefined).map(([n]) => n);
    expect(requiredParams.filter((p) => !given.includes(p))).toEqual([]);
  });

  test('storage: no shared keys, and the app identity has exactly the three data roles', () => {
    const storage = readRepoFile('infra/modules/storage.bicep');
    expect(mask(storage)).toMatch(/allowSharedKeyAccess: false/);
    expect(storage).toMatch(
      /var appRoles = \[roles\.blobDataOwner, roles\.queueDataContributor, roles\.tableDataContributor\]/,
    );
    expect(storage).toContain("blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'");
    expect(storage).toContain("queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'");
    expect(storage).toContain("tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'");
    expect(storage).toContain("'migration-batches'");
    expect(mask(storage)).toMatch(/isVersioningEnabled: false/);
  });

  test('function app: Flex Consumption, Node 22, user-assigned identity for everything', () => {
    expect(APP).toMatch(/sku: \{ name: 'FC1', tier: 'FlexConsumption' \}/);
    expect(APP).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(APP).toMatch(/keyVaultReferenceIdentity: identityId/);
    expect(APP).toMatch(/type: 'UserAssignedIdentity'\s+userAssignedIdentityResourceId: identityId/);
  });

  test('sign-in guards the dashboard; only key-protected paths are excluded', () => {
    expect(APP).toMatch(/requireAuthentication: true/);
    expect(APP).toMatch(/clientSecretSettingName: 'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'/);
    expect(MAIN_PARAMS.get('authExcludedPaths')?.defaultText).toBe("['/api/*', '/runtime/webhooks/*']");
  });

  test('Event Grid delivers only new CSVs in migration-batches to the blob webhook', () => {
    const sub = readRepoFile('infra/modules/blob-event-subscription.bicep');
    expect(sub).toContain("includedEventTypes: ['Microsoft.Storage.BlobCreated']");
    expect(sub).toContain("param containerName string = 'migration-batches'");
    expect(sub).toContain("subjectEndsWith: '.csv'");
    expect(sub).toMatch(
      /\/runtime\/webhooks\/blobs\?functionName=Host\.Functions\.\$\{functionName\}&code=\$\{blobsExtensionKey\}/,
    );
  });

  test('azd: the service deploys to the tagged app and the hook has the outputs it reads', () => {
    const yaml = readRepoFile('azure.yaml');
    expect(yaml).toMatch(/services:\n\s+api:\n\s+project: \.\n\s+language: ts\n\s+host: function/);
    expect(APP).toContain("'azd-service-name': 'api'");
    const hook = /run: (\.\/infra\/scripts\/\S+\.sh)/.exec(yaml)?.[1] as string;
    expect(statSync(join(REPO, hook)).mode & 0o111).not.toBe(0);
    const outputs = new Set([...MAIN.matchAll(/^output\s+(\w+)/gm)].map((m) => m[1]));
    for (const v of readRepoFile(hook).matchAll(/\$\{(AZURE_\w+|EVENT_GRID_\w+):\?/g))
      expect(outputs).toContain(v[1]);
  });
});
