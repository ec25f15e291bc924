import path from 'node:path';
import { readFileSync } from 'node:fs';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { hostStorageLocation, startAzurite, type RunningAzurite } from './azurite';
import { BlobWatcher } from './blob-watcher';
import { systemClock, type Clock } from './clock';
import { installFunctionsCore } from './core/functions-core';
import type { FunctionRegistry } from './core/registry';
import { lockDataDir } from './data-lock';
import { DurableEngine } from './durable/engine';
import { startManagementApi, type ManagementApi } from './durable/management-api';
import { InstanceStore } from './durable/store';
import { readHostJson, type HostSettings } from './host-json';
import { startHttpServer, type RunningHttpServer } from './http-server';
import { Invoker, type LogSink } from './invoker';
import { TimerScheduler } from './timer-scheduler';

/**
 * The embedded host: runs a Functions app's registered functions on one machine, as the Azure
 * Functions host does, with Azurite for storage and the durable engine for orchestrations.
 * It knows nothing about the app: it loads `package.json` `main` and hosts whatever registered.
 */
export interface HostOptions {
  /** Folder with package.json and host.json. */
  appRoot: string;
  /** Module to load instead of package.json `main` (tests load the TypeScript entry). */
  appModule?: string;
  /** Data folder for on-disk storage; omitted means in memory. */
  dataDir?: string;
  /** HTTP port on 127.0.0.1; 0 picks a free one. Default 7071, like `func start`. */
  port?: number;
  /** Key for non-anonymous HTTP functions; undefined leaves them open. */
  apiKey?: string;
  clock?: Clock;
  /** App settings to set before the app loads (as local.settings.json Values). */
  settings?: Record<string, string>;
  /** Overrides for host.json values (tests, benchmarks). */
  hostOverrides?: Partial<HostSettings>;
  blobPollMs?: number;
  log?: LogSink;
  /**
   * Azurite already starting, at `hostStorageLocation(dataDir)` and with the data folder locked
   * (lockDataDir) first: a caller that starts it before loading this module overlaps Azurite's
   * start-up with module loading. The host stops it with itself, also when its start fails.
   */
  storage?: Promise<RunningAzurite>;
}

export interface Host {
  url: string;
  storage: RunningAzurite;
  registry: FunctionRegistry;
  engine: DurableEngine;
  settings: HostSettings;
  clock: Clock;
  blobWatcher: BlobWatcher;
  /** The durable management API's base URL, its access token included (the host's functions get it). */
  managementUrl: string;
  stop(): Promise<void>;
}

export async function startHost(options: HostOptions): Promise<Host> {
  const settings = { ...readHostJson(options.appRoot), ...options.hostOverrides };
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => undefined;
  // Azurite starts in its child process while this one loads the app: on two cores the two
  // start-ups overlap instead of adding up.
  const starting = options.storage ?? startAzurite({ location: hostStorageLocation(options.dataDir) });
  // A start that fails after Azurite came up still stops it.
  const stopStorage = async (): Promise<void> => {
    const running = await starting.catch(() => undefined);
    await running?.stop();
  };
  const clock = options.clock ?? systemClock;
  const cleanups: Array<() => Promise<void> | void> = [unlock, stopStorage];
  try {
    Object.assign(process.env, options.settings ?? {});
    const core = installFunctionsCore();
    // The app registers its functions when it loads; it reads its storage settings only when a
    // function runs, after AzureWebJobsStorage is set below.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(options.appModule ?? path.resolve(options.appRoot, appMain(options.appRoot)));
    const storage = await starting;
    // The app reads its storage the way it does on Azure: from AzureWebJobsStorage.
    process.env.AzureWebJobsStorage = storage.connectionString;
    const registry = core.registry;
    const invoker = new Invoker(options.log);

    const engine = await createEngine(storage, settings, registry, invoker, clock);
    const management: ManagementApi = await startManagementApi(engine);
    cleanups.unshift(() => management.close());

    let publicUrl = `http://127.0.0.1:${options.port ?? 7071}`;
    const durableInputs = (): Record<string, unknown> => ({
      durableClient: management.clientData(publicUrl, settings.hubName),
    });
    invoker.defaultInputsByType = durableInputs;
    const http: RunningHttpServer = await startHttpServer({
      registry,
      invoker,
      port: options.port ?? 7071,
      routePrefix: settings.routePrefix,
      apiKey: options.apiKey,
      maxRequestBytes: settings.maxRequestBytes,
      extraInputsByType: durableInputs,
    });
    publicUrl = http.url;
    process.env.WEBSITE_HOSTNAME ??= `127.0.0.1:${http.port}`;
    cleanups.unshift(() => http.close());

    cleanups.unshift(() => engine.stop());
    await engine.start();

    const blobWatcher = await startPolledTriggers(
      { storage, settings, registry, invoker, clock, blobPollMs: options.blobPollMs, durableInputs },
      cleanups,
    );

    return {
      url: http.url,
      storage,
      registry,
      engine,
      settings,
      clock,
      blobWatcher,
      managementUrl: management.rpcBaseUrl,
      stop: () => runCleanups(cleanups),
    };
  } catch (e) {
    await runCleanups(cleanups);
    throw e;
  }
}

/** The durable engine over the instance table of the task hub (created when missing). */
async function createEngine(
  storage: RunningAzurite,
  settings: HostSettings,
  registry: FunctionRegistry,
  invoker: Invoker,
  clock: Clock,
): Promise<DurableEngine> {
  const store = new InstanceStore(
    TableClient.fromConnectionString(storage.connectionString, `${settings.hubName}Instances`, TABLE_OPTIONS),
  );
  await store.init();
  return new DurableEngine({
    store,
    registry,
    invoker,
    clock,
    maxConcurrentActivities: settings.maxConcurrentActivityFunctions,
    maxConcurrentOrchestrations: settings.maxConcurrentOrchestratorFunctions,
  });
}

/** The blob watcher and the timer scheduler: the triggers the host polls for. Each adds its stop. */
async function startPolledTriggers(
  host: {
    storage: RunningAzurite;
    settings: HostSettings;
    registry: FunctionRegistry;
    invoker: Invoker;
    clock: Clock;
    blobPollMs?: number;
    durableInputs: () => Record<string, unknown>;
  },
  cleanups: Array<() => Promise<void> | void>,
): Promise<BlobWatcher> {
  const { storage, settings, registry, invoker, clock, durableInputs } = host;
  const blobWatcher = new BlobWatcher({
    functions: registry.byTrigger('blobTrigger'),
    blobService: BlobServiceClient.fromConnectionString(storage.connectionString),
    receipts: TableClient.fromConnectionString(
      storage.connectionString,
      `${settings.hubName}BlobReceipts`,
      TABLE_OPTIONS,
    ),
    invoker,
    pollMs: host.blobPollMs ?? 1000,
    extraInputsByType: durableInputs,
  });
  await blobWatcher.start();
  cleanups.unshift(() => blobWatcher.stop());
  const timers = new TimerScheduler({
    functions: registry.byTrigger('timerTrigger'),
    invoker,
    clock,
    extraInputsByType: durableInputs,
  });
  timers.start();
  cleanups.unshift(() => timers.stop());
  return blobWatcher;
}

/** Azurite speaks plain HTTP on loopback. */
const TABLE_OPTIONS = { allowInsecureConnection: true };

async function runCleanups(cleanups: Array<() => Promise<void> | void>): Promise<void> {
  for (const cleanup of cleanups.splice(0)) {
    try {
      await cleanup();
    } catch (e) {
      console.error('host: stop step failed:', e instanceof Error ? e.message : e);
    }
  }
}

function appMain(appRoot: string): string {
  const pkg = JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main)
    throw new Error(`${appRoot}/package.json has no "main": the host cannot find the function app.`);
  return pkg.main;
}
