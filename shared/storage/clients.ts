import { TableClient, TableServiceClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';

/**
 * Storage clients built from the Functions host's own setting, `AzureWebJobsStorage`: a connection
 * string locally (Azurite) and, on Azure, identity-based settings (`AzureWebJobsStorage__blobServiceUri`,
 * `__tableServiceUri`) resolved by the caller with a credential. Keeping the construction in one place
 * means every table and container of the app lives in the same account the host uses.
 */
export interface StorageSettings {
  connectionString: string;
}

export function isLoopbackConnection(connectionString: string): boolean {
  return /(BlobEndpoint|TableEndpoint)=http:\/\/(127\.0\.0\.1|localhost)/i.test(connectionString);
}

export function tableClient(settings: StorageSettings, table: string): TableClient {
  return TableClient.fromConnectionString(settings.connectionString, table, {
    allowInsecureConnection: isLoopbackConnection(settings.connectionString),
  });
}

export function tableServiceClient(settings: StorageSettings): TableServiceClient {
  return TableServiceClient.fromConnectionString(settings.connectionString, {
    allowInsecureConnection: isLoopbackConnection(settings.connectionString),
  });
}

export function blobServiceClient(settings: StorageSettings): BlobServiceClient {
  return BlobServiceClient.fromConnectionString(settings.connectionString);
}
