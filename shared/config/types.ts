import type { ProblemDetail } from '../domain/errors';
import type { RawSettings, SettingName } from './schema';

/** The typed settings loadSettings (settings.ts) gives the app, resolved from the environment. */
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
