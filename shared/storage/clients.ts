import { TableClient } from '@azure/data-tables';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';

/**
 * Storage clients for the account the Functions host uses (`AzureWebJobsStorage`): a connection
 * string locally (Azurite), and on Azure the identity-based form — service URIs reached with the
 * app's managed identity, no account keys (`AzureWebJobsStorage__blobServiceUri`, ...). Keeping the
 * construction in one place means every table and container of the app lives in that account.
 */
export interface StorageSettings {
  /** A connection string; empty when `identity` is set. */
  connectionString: string;
  /** On Azure: service endpoints and the user-assigned identity's client id (none: system-assigned). */
  identity?: { blobServiceUri: string; tableServiceUri: string; clientId?: string };
}

function isLoopbackConnection(connectionString: string): boolean {
  return /(BlobEndpoint|TableEndpoint)=http:\/\/(127\.0\.0\.1|localhost)/i.test(connectionString);
}

/**
 * The app's managed identity, with @azure/identity (about 140 modules) loaded at the first token:
 * only on Azure. The embedded runtime, which stores with a connection string, never loads it.
 */
class ManagedIdentity implements TokenCredential {
  private inner?: Promise<TokenCredential>;

  constructor(private readonly clientId: string | undefined) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.inner ??= import('@azure/identity').then(({ ManagedIdentityCredential }) =>
      this.clientId
        ? new ManagedIdentityCredential({ clientId: this.clientId })
        : new ManagedIdentityCredential(),
    );
    return (await this.inner).getToken(scopes, options);
  }
}

const credentials = new Map<string, TokenCredential>();
function credentialFor(clientId: string | undefined): TokenCredential {
  const key = clientId ?? '';
  let credential = credentials.get(key);
  if (!credential) {
    credential = new ManagedIdentity(clientId);
    credentials.set(key, credential);
  }
  return credential;
}

export function tableClient(settings: StorageSettings, table: string): TableClient {
  if (settings.identity) {
    return new TableClient(
      settings.identity.tableServiceUri,
      table,
      credentialFor(settings.identity.clientId),
    );
  }
  return TableClient.fromConnectionString(settings.connectionString, table, {
    allowInsecureConnection: isLoopbackConnection(settings.connectionString),
  });
}

export function blobServiceClient(settings: StorageSettings): BlobServiceClient {
  if (settings.identity) {
    return new BlobServiceClient(settings.identity.blobServiceUri, credentialFor(settings.identity.clientId));
  }
  return BlobServiceClient.fromConnectionString(settings.connectionString);
}
