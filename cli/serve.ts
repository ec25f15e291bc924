import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startFolderDrop } from '../local/folder-drop';
import { startHost } from '../local/host';
import { ensurePrivateDir } from '../local/private-dir';
import { apiKeyFor } from './api-key';

export interface ServeOptions {
  data: string;
  port: number;
}

/** Runs the function app on the embedded runtime until SIGINT/SIGTERM, like `func start`. */
export async function serve(options: ServeOptions): Promise<void> {
  const appRoot = path.resolve(__dirname, '..', '..');
  const dataDir = path.resolve(options.data);
  // Checked before anything starts: a bad key stops here with API_KEY_TOO_SHORT.
  const apiKey = apiKeyFor(dataDir);
  ensurePrivateDir(dataDir);
  const host = await startHost({
    appRoot,
    dataDir,
    port: options.port,
    apiKey: apiKey.key,
    settings: { MAILFERRY_DATA_DIR: dataDir, MAILFERRY_DASHBOARD_URL: `http://127.0.0.1:${options.port}/` },
  });
  const drop = startFolderDrop(
    path.join(dataDir, 'drop'),
    BlobServiceClient.fromConnectionString(host.storage.connectionString).getContainerClient(
      'migration-batches',
    ),
  );
  console.log(`mailferry is running on the embedded runtime at ${host.url}`);
  console.log(`  health:   ${host.url}/api/health`);
  console.log(`  dashboard: ${host.url}/`);
  console.log(`  data:     ${dataDir}`);
  console.log(`  batches:  put a CSV into ${drop.folder} (it moves into the 'migration-batches' container),`);
  console.log(`            or POST it to ${host.url}/api/batches`);
  console.log(`  storage:  ${host.storage.connectionString}`);
  if (apiKey.isNew)
    console.log(
      `  API key:  ${apiKey.key} (send as x-functions-key; kept in ${path.join(dataDir, 'api-key')})`,
    );
  else console.log(`  API key:  in ${path.join(dataDir, 'api-key')} (or MAILFERRY_API_KEY)`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('stopping…');
  drop.stop();
  await host.stop();
}
