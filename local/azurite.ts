import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The account name Azurite serves (path-style URLs need one). Its key is not Azurite's published
 * development key, which any local process or web page could use: each start draws a random one
 * (AZURITE_ACCOUNTS replaces the built-in account) and only the connection string carries it.
 */
export const DEV_ACCOUNT = 'devstoreaccount1';

export interface AzuriteOptions {
  /** Folder for on-disk persistence; omitted means in memory (tests). */
  location?: string;
  /** Fixed loopback ports (a restart on the same ports, as in a fault test); omitted means free ones. */
  ports?: { blob: number; queue: number; table: number };
  /** The account key to serve (a restart with the same key); omitted means a new random one. */
  accountKey?: string;
}

/** Where a host keeps its storage: `<dataDir>/storage`, or in memory without a data folder. */
export function hostStorageLocation(dataDir: string | undefined): string | undefined {
  return dataDir ? path.join(dataDir, 'storage') : undefined;
}

export interface RunningAzurite {
  blobEndpoint: string;
  tableEndpoint: string;
  queueEndpoint: string;
  /** A storage connection string, the form `AzureWebJobsStorage` takes. */
  connectionString: string;
  /** This run's random account key (base64), also inside `connectionString`. */
  accountKey: string;
  stop(): Promise<void>;
}

/**
 * The child's program. It runs Azurite's own `main` and ties the child's life to its parent: when
 * the IPC channel closes (the parent exited, even by kill -9) Azurite shuts down through its SIGTERM
 * path, which flushes its on-disk databases before the child exits.
 */
function childMain(): string {
  return `
// With the parent gone its pipes are broken: a log line must not crash Azurite before it flushes.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
const onDisconnect = () => process.kill(process.pid, 'SIGTERM');
process.once('disconnect', onDisconnect);
// Azurite's own SIGTERM handler closes its servers and flushes; the open IPC channel would keep this
// process alive after that, so it is closed here, and the process ends as soon as Azurite is done.
// The timer only bounds a shutdown that hangs.
process.once('SIGTERM', () => {
  process.off('disconnect', onDisconnect);
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 5000).unref();
});
require(${JSON.stringify(azuriteMain())});
`;
}

/**
 * Azurite is a development dependency: it never ships to Azure (where the app uses a storage
 * account), so a production install (`npm install --omit=dev`) cannot run the embedded runtime.
 */
function azuriteMain(): string {
  try {
    return require.resolve('azurite/dist/src/azurite.js');
  } catch {
    throw new Error(
      'The embedded runtime needs Azurite, a development dependency of mailferry: run `npm install` (without --omit=dev) in the mailferry folder.',
    );
  }
}

/**
 * V8 flags of Azurite's process. Most of what it allocates lives for one request (the parsed
 * XML/JSON of a table batch or a blob call); V8's default young generation grows to three 16 MB
 * semi-spaces for that garbage and keeps them. A 1 MB semi-space cuts its resident memory at start
 * from about 118 to 92 MB, and its peak during a 10,000-message run by about 10 MB, without a
 * slower copy (measured side by side with `npm run bench -- imap`). `--optimize-for-size` would
 * save 7 MB more at start but made the copy measurably slower: Azurite's table store is on the
 * copy's critical path.
 */
export const AZURITE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at (http:\/\/\S+)/;

/**
 * Starts Azurite (the pinned npm package) as a child process on free loopback ports.
 * A child rather than in-process: Azurite then has the second core to itself, and its deep imports
 * are not a public API we would have to track.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const args = [
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(options.ports?.blob ?? 0),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(options.ports?.queue ?? 0),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(options.ports?.table ?? 0),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    // No access log: Azurite would format a line for every request (about 8% of its CPU).
    '--silent',
  ];
  if (options.location) {
    mkdirSync(options.location, { recursive: true, mode: 0o700 });
    args.push('--location', options.location);
  } else {
    // In memory Azurite would reserve half the machine's memory for blob extents; tests need little.
    args.push('--inMemoryPersistence', '--extentMemoryLimit', '1024');
  }
  // `azurite` stands in for argv[1], which Azurite's argument parser skips like a script path.
  const accountKey = options.accountKey ?? randomBytes(64).toString('base64');
  const child = spawn(
    process.execPath,
    [...AZURITE_NODE_FLAGS, '-e', childMain(), '--', 'azurite', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, AZURITE_ACCOUNTS: `${DEV_ACCOUNT}:${accountKey}` },
    },
  );
  const endpoints = await readEndpoints(child);
  const { Blob: blob, Table: table, Queue: queue } = endpoints;
  return {
    blobEndpoint: `${blob}/${DEV_ACCOUNT}`,
    tableEndpoint: `${table}/${DEV_ACCOUNT}`,
    queueEndpoint: `${queue}/${DEV_ACCOUNT}`,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${accountKey};` +
      `BlobEndpoint=${blob}/${DEV_ACCOUNT};QueueEndpoint=${queue}/${DEV_ACCOUNT};` +
      `TableEndpoint=${table}/${DEV_ACCOUNT};`,
    accountKey,
    stop: () => stopChild(child),
  };
}

function readEndpoints(child: ChildProcess): Promise<Record<'Blob' | 'Table' | 'Queue', string>> {
  return new Promise((resolve, reject) => {
    const found: Partial<Record<'Blob' | 'Table' | 'Queue', string>> = {};
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        const m = LISTENING.exec(line);
        if (m) found[m[1] as 'Blob' | 'Table' | 'Queue'] = m[2];
      }
      if (found.Blob && found.Table && found.Queue) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(found as Record<'Blob' | 'Table' | 'Queue', string>);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) =>
      reject(new Error(`Azurite exited with code ${code} before listening: ${output.slice(-500)}`)),
    );
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
