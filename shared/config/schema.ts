import { z } from 'zod';
import { ncrontabProblem } from './ncrontab';

/**
 * Every app setting mailferry reads, as one zod schema over the environment (Azure app settings, or
 * `Values` of local.settings.json). Each field carries its documentation as zod metadata, so the
 * error messages, local.settings.example.json, docs/deploy.md and the infra test all read the same
 * source. Defaults that do not depend on where the app runs are zod defaults; the ones that do
 * (local vs Azure) and the rules between settings live in settings.ts.
 */

export interface SettingMeta {
  /** What the setting is for, one sentence. */
  description: string;
  /** What a correct value looks like; error messages say "set NAME to <expects>". */
  expects: string;
  /** A safe example for local.settings.example.json and tests (never a real secret). */
  example: string;
  /** Never echo the value; on Azure it should be a Key Vault reference. */
  secret?: boolean;
}

function setting<T extends z.ZodType>(schema: T, meta: SettingMeta): T {
  return schema.meta({ ...meta });
}

const text = z.string();
const httpsUrl = z.url({ protocol: /^https$/ });
const anyUrl = z.url({ protocol: /^https?$/ });
const guid = z.guid();
const wholeNumber = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const boolText = z
  .enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])
  .transform((v) => /^true$/i.test(v));
/** Comma- or semicolon-separated addresses, as admins paste them from Outlook. */
const emailList = z
  .string()
  .transform((v) =>
    v
      .split(/[,;]/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
  .pipe(z.array(z.email()));
const ncrontab = z.string().refine((v) => ncrontabProblem(v) === undefined);

export const DEFAULT_INCREMENTAL_SYNC_SCHEDULE = '0 0 * * * *';
export const DEFAULT_INCREMENTAL_SYNC_INTERVAL_HOURS = 24;
export const DEFAULT_MAX_CONCURRENT_MIGRATIONS = 20;
export const DEFAULT_MAX_CONCURRENT_INCREMENTAL_SYNCS = 20;
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
export const DEFAULT_LOCAL_DASHBOARD_URL = 'http://127.0.0.1:7071/';
export const BLOB_TRIGGER_SOURCES = ['LogsAndContainerScan', 'EventGrid'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const settingsSchema = z.object({
  MAILFERRY_HOSTING: setting(z.enum(['local', 'azure']).optional(), {
    description:
      'Where the app runs. Defaults to azure when the platform sets WEBSITE_SITE_NAME, otherwise local; it decides the defaults below.',
    expects: '"local" or "azure"',
    example: 'local',
  }),

  // Storage: the host's own connection. A connection string locally, identity-based settings on Azure.
  AzureWebJobsStorage: setting(text.optional(), {
    description:
      'Storage connection string (Azurite locally). Leave unset to let the embedded runtime start its own Azurite under MAILFERRY_DATA_DIR. Not allowed on Azure: shared-key access is off there.',
    expects:
      'a storage connection string (UseDevelopmentStorage=true, or one with BlobEndpoint/TableEndpoint)',
    example: 'UseDevelopmentStorage=true',
    secret: true,
  }),
  AzureWebJobsStorage__accountName: setting(text.regex(/^[a-z0-9]{3,24}$/).optional(), {
    description:
      'Identity-based host storage: the account name (public Azure cloud only); the service URIs are derived from it.',
    expects: 'a storage account name (3-24 lowercase letters and digits)',
    example: 'stmailferrydev',
  }),
  AzureWebJobsStorage__blobServiceUri: setting(httpsUrl.optional(), {
    description: 'Identity-based host storage: blob endpoint.',
    expects: 'the https blob endpoint, e.g. https://ACCOUNT.blob.core.windows.net/',
    example: 'https://stmailferrydev.blob.core.windows.net/',
  }),
  AzureWebJobsStorage__queueServiceUri: setting(httpsUrl.optional(), {
    description:
      'Identity-based host storage: queue endpoint (Durable Functions control and work-item queues).',
    expects: 'the https queue endpoint, e.g. https://ACCOUNT.queue.core.windows.net/',
    example: 'https://stmailferrydev.queue.core.windows.net/',
  }),
  AzureWebJobsStorage__tableServiceUri: setting(httpsUrl.optional(), {
    description: 'Identity-based host storage: table endpoint (Durable history and mailferry state).',
    expects: 'the https table endpoint, e.g. https://ACCOUNT.table.core.windows.net/',
    example: 'https://stmailferrydev.table.core.windows.net/',
  }),
  AzureWebJobsStorage__credential: setting(z.literal('managedidentity').optional(), {
    description:
      'Identity-based host storage: use a managed identity (with __clientId for a user-assigned one).',
    expects: '"managedidentity"',
    example: 'managedidentity',
  }),
  AzureWebJobsStorage__clientId: setting(guid.optional(), {
    description: 'Identity-based host storage: client id of the user-assigned managed identity.',
    expects: "the user-assigned identity's client id (a GUID)",
    example: '00000000-0000-0000-0000-000000000000',
  }),

  AZURE_CLIENT_ID: setting(guid.optional(), {
    description:
      'Client id of the user-assigned managed identity that @azure/identity uses (Key Vault secret store, storage clients). Set by infra/ on Azure; unset locally (your az login is used).',
    expects: "the user-assigned identity's client id (a GUID)",
    example: '',
  }),

  MAILFERRY_DATA_DIR: setting(text.optional(), {
    description:
      'Folder for local state: Azurite data, the encrypted local secret store, the generated API key. Default ./.mailferry locally, the temp folder on Azure.',
    expects: 'a folder path',
    example: './.mailferry',
  }),
  MAILFERRY_API_KEY: setting(text.min(16).optional(), {
    description:
      'Embedded runtime only: the key every HTTP route except /api/health requires (x-functions-key). Generated on first start when unset. Not allowed on Azure, where function keys do this.',
    expects: 'a random string of at least 16 characters',
    example: 'change-me-to-a-long-random-string',
    secret: true,
  }),
  MAILFERRY_SECRET_STORE: setting(z.enum(['local', 'keyvault']).optional(), {
    description:
      'Where endpoint and CSV passwords go: an encrypted file under MAILFERRY_DATA_DIR (local, the default locally) or Key Vault (keyvault, the default and only choice on Azure).',
    expects: '"local" or "keyvault"',
    example: 'local',
  }),
  KEY_VAULT_URI: setting(httpsUrl.optional(), {
    description: 'Key Vault for secrets when MAILFERRY_SECRET_STORE is keyvault.',
    expects: 'the vault URI, e.g. https://kv-mailferry.vault.azure.net/',
    example: 'https://kv-mailferry-dev.vault.azure.net/',
  }),

  MAILFERRY_INCREMENTAL_SYNC_SCHEDULE: setting(ncrontab.default(DEFAULT_INCREMENTAL_SYNC_SCHEDULE), {
    description:
      'When the batch scheduler timer wakes to look for due batches (NCRONTAB, seconds first). Each batch has its own interval; this is only how often they are checked.',
    expects: 'a six-field NCRONTAB expression such as "0 0 * * * *" (every hour)',
    example: DEFAULT_INCREMENTAL_SYNC_SCHEDULE,
  }),
  MAILFERRY_INCREMENTAL_SYNC_INTERVAL_HOURS: setting(
    wholeNumber(1, 24 * 30).default(DEFAULT_INCREMENTAL_SYNC_INTERVAL_HOURS),
    {
      description: 'Default hours between incremental syncs of a batch; a batch may set its own.',
      expects: 'a whole number of hours from 1 to 720',
      example: String(DEFAULT_INCREMENTAL_SYNC_INTERVAL_HOURS),
    },
  ),
  MAILFERRY_MAX_CONCURRENT_MIGRATIONS: setting(
    wholeNumber(1, 1000).default(DEFAULT_MAX_CONCURRENT_MIGRATIONS),
    {
      description:
        'Default number of mailboxes a batch migrates at once (an endpoint or batch may lower it).',
      expects: 'a whole number from 1 to 1000',
      example: String(DEFAULT_MAX_CONCURRENT_MIGRATIONS),
    },
  ),
  MAILFERRY_MAX_CONCURRENT_INCREMENTAL_SYNCS: setting(
    wholeNumber(1, 1000).default(DEFAULT_MAX_CONCURRENT_INCREMENTAL_SYNCS),
    {
      description: 'Number of mailboxes synced at once during an incremental sync.',
      expects: 'a whole number from 1 to 1000',
      example: String(DEFAULT_MAX_CONCURRENT_INCREMENTAL_SYNCS),
    },
  ),
  MAILFERRY_BLOB_TRIGGER_SOURCE: setting(z.enum(BLOB_TRIGGER_SOURCES).optional(), {
    description:
      'How the migration-batches blob trigger learns of new CSVs: LogsAndContainerScan (the default locally; the embedded runtime watches the container) or EventGrid (the default on Azure; Flex Consumption supports only this).',
    expects: '"LogsAndContainerScan" or "EventGrid"',
    example: 'LogsAndContainerScan',
  }),

  // The Microsoft 365 tenant and the Entra app registration mailferry signs in as (app-only).
  M365_TENANT_ID: setting(
    text
      .regex(
        /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9.-]+\.[A-Za-z]{2,})$/,
      )
      .optional(),
    {
      description: 'Target Microsoft 365 tenant.',
      expects: 'the tenant id (a GUID) or its initial domain (contoso.onmicrosoft.com)',
      example: '11111111-1111-1111-1111-111111111111',
    },
  ),
  M365_CLIENT_ID: setting(guid.optional(), {
    description: 'Application (client) id of the Entra app registration.',
    expects: "the app registration's application (client) id, a GUID",
    example: '22222222-2222-2222-2222-222222222222',
  }),
  M365_CERTIFICATE_PEM: setting(text.optional(), {
    description:
      "The app's certificate with its private key, PEM (preferred over a client secret). On Azure a Key Vault reference to a certificate created with content type application/x-pem-file.",
    expects: 'PEM text holding the private key and the certificate',
    example: '@Microsoft.KeyVault(VaultName=kv-mailferry;SecretName=m365-app-certificate)',
    secret: true,
  }),
  M365_CERTIFICATE_PATH: setting(text.optional(), {
    description:
      'Local alternative to M365_CERTIFICATE_PEM: path of a PEM file with the private key and certificate.',
    expects: 'the path of a readable PEM file holding the private key and the certificate',
    example: './secrets/mailferry-app.pem',
  }),
  M365_CLIENT_SECRET: setting(text.optional(), {
    description:
      'Client secret of the app registration, used only when no certificate is set. On Azure a Key Vault reference.',
    expects: 'the client secret value (on Azure: @Microsoft.KeyVault(...) reference)',
    example: '@Microsoft.KeyVault(VaultName=kv-mailferry;SecretName=m365-client-secret)',
    secret: true,
  }),
  M365_AUTHORITY_HOST: setting(anyUrl.default(DEFAULT_AUTHORITY_HOST), {
    description: 'Entra sign-in host (national clouds, or the local Graph stand-in in tests).',
    expects: 'an https URL such as https://login.microsoftonline.com',
    example: DEFAULT_AUTHORITY_HOST,
  }),
  M365_GRAPH_BASE_URL: setting(anyUrl.default(DEFAULT_GRAPH_BASE_URL), {
    description: 'Microsoft Graph base URL (national clouds, or the local Graph stand-in in tests).',
    expects: 'an https URL such as https://graph.microsoft.com/v1.0',
    example: DEFAULT_GRAPH_BASE_URL,
  }),
  M365_LICENSE_SKU_ID: setting(guid.optional(), {
    description:
      'Licence assigned to a target user that has no mailbox yet (for example Exchange Online Plan 1).',
    expects: 'the skuId GUID from GET /subscribedSkus',
    example: '4b9405b0-7788-4568-add1-99614e613b69',
  }),

  // Cutover.
  MAILFERRY_DNS_SERVERS: setting(
    z
      .string()
      .transform((v) =>
        v
          .split(/[,;\s]+/)
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/,
              'must be an IP address, optionally with :port',
            ),
        ),
      )
      .optional(),
    {
      description:
        "DNS servers the cutover DNS checks ask (MX, Autodiscover, SPF). Default: the system's resolvers.",
      expects: 'IP addresses (optionally :port) separated by commas',
      example: '1.1.1.1,8.8.8.8',
    },
  ),

  // Reports.
  REPORT_SENDER: setting(z.email().optional(), {
    description:
      'Mailbox the status and final reports are sent from (Graph sendMail with Mail.Send, or the SMTP From).',
    expects: 'an email address',
    example: 'migration-reports@contoso.com',
  }),
  REPORT_RECIPIENTS: setting(emailList.optional(), {
    description: 'Who receives every batch report (a batch may add its own notification addresses).',
    expects: 'email addresses separated by commas or semicolons',
    example: 'admin@contoso.com;helpdesk@contoso.com',
  }),
  SMTP_HOST: setting(text.optional(), {
    description: 'SMTP relay for reports instead of Graph sendMail (optional).',
    expects: 'a host name',
    example: 'smtp.contoso.com',
  }),
  SMTP_PORT: setting(wholeNumber(1, 65535).default(587), {
    description: 'SMTP port.',
    expects: 'a port number (587 for STARTTLS, 465 for TLS)',
    example: '587',
  }),
  SMTP_SECURE: setting(boolText.optional(), {
    description: 'SMTP over TLS from the first byte (true for port 465). Default: true only on port 465.',
    expects: '"true" or "false"',
    example: 'false',
  }),
  SMTP_USER: setting(text.optional(), {
    description: 'SMTP user name (with SMTP_PASSWORD), if the relay needs a login.',
    expects: 'a user name',
    example: 'relay-user',
  }),
  SMTP_PASSWORD: setting(text.optional(), {
    description: 'SMTP password; on Azure a Key Vault reference.',
    expects: 'the password (on Azure: @Microsoft.KeyVault(...) reference)',
    example: '@Microsoft.KeyVault(VaultName=kv-mailferry;SecretName=smtp-password)',
    secret: true,
  }),

  MAILFERRY_DASHBOARD_URL: setting(anyUrl.optional(), {
    description:
      'Public address of the dashboard, for the links in report mails. Default http://127.0.0.1:7071/ locally, https://WEBSITE_HOSTNAME/ on Azure.',
    expects: 'an http(s) URL',
    example: DEFAULT_LOCAL_DASHBOARD_URL,
  }),
  MAILFERRY_BYTES_IN_FLIGHT: setting(wholeNumber(1024 * 1024, 4 * 1024 * 1024 * 1024).optional(), {
    description:
      'Message bytes one process holds in flight across all copy calls (default 64 MiB, shared/mail/limits.ts); raise with instance memory.',
    expects: 'a whole number of bytes from 1048576 (1 MiB) to 4294967296 (4 GiB)',
    example: String(64 * 1024 * 1024),
  }),
  MAILFERRY_HOST_LOG_LEVEL: setting(
    z.enum(['trace', 'debug', 'information', 'warning', 'error', 'critical']).optional(),
    {
      description:
        'Embedded runtime only: lowest level of function log lines printed to the console (default warning).',
      expects: 'one of trace, debug, information, warning, error, critical',
      example: 'warning',
    },
  ),
  MAILFERRY_LOG_LEVEL: setting(z.enum(LOG_LEVELS).default('info'), {
    description: 'Lowest level the app logs.',
    expects: `one of ${LOG_LEVELS.join(', ')}`,
    example: 'info',
  }),
  APPLICATIONINSIGHTS_CONNECTION_STRING: setting(text.optional(), {
    description:
      'Application Insights the host sends telemetry to (read by the host; listed so it is not forgotten).',
    expects: 'the Application Insights connection string',
    example:
      'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.in.applicationinsights.azure.com/',
  }),
  // Set by the App Service platform; read, never set by us.
  WEBSITE_SITE_NAME: setting(text.optional(), {
    description: 'Set by Azure: the app name. Its presence means the app runs on Azure.',
    expects: 'the app name (set by the platform)',
    example: '',
  }),
  WEBSITE_HOSTNAME: setting(text.optional(), {
    description: 'Set by Azure: the default host name, used for the dashboard URL default.',
    expects: 'a host name (set by the platform)',
    example: '',
  }),
});

export type SettingName = keyof typeof settingsSchema.shape;
export type RawSettings = z.output<typeof settingsSchema>;

export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];

/** Settings the platform sets; they never belong in local.settings.json or Bicep. */
export const PLATFORM_SETTINGS: readonly SettingName[] = ['WEBSITE_SITE_NAME', 'WEBSITE_HOSTNAME'];

/**
 * App settings infra/ sets that the platform or the Functions host reads, never the app: telemetry
 * sign-in with the managed identity, and the dashboard sign-in's federated credential.
 */
export const HOST_READ_SETTINGS = [
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID',
  'WEBSITE_AUTH_AAD_ALLOWED_TENANTS',
] as const;

export function settingMeta(name: SettingName): SettingMeta {
  return settingsSchema.shape[name].meta() as unknown as SettingMeta;
}
