import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningAzurite } from '../../local/azurite';
import type { Host } from '../../local/host';
import { parseBatchCsv } from '../../shared/csv';
import type { Batch } from '../../shared/state';
import { batchInstanceId } from '../../shared/workflow/names';
import { ApiClient, errorFor } from '../api-client';
import { printReport, printSkipped } from '../batch-view';
import {
  batchNameFromFile,
  isSyncedMailbox,
  listBatches,
  listMailboxes,
  removeBatch,
  runReport,
  skippedItems,
  type BatchAnswer,
} from '../batches';
import { EXIT, badInput, type ExitCode } from '../exit-codes';
import { printJson } from '../format';
import { watchBatch } from '../watch';
import {
  cutoverOptions,
  directoryRequest,
  endpointRequest,
  graphHostSettings,
  loadRunConfig,
  type RunConfig,
} from './config';
import { ensureEndpoints } from './endpoints';
import { printDryRun } from '../plan-view';
import { RunTimings } from './timings';

/**
 * `mailferry run`: one batch, start to end, through the embedded runtime in this process. The
 * config becomes the endpoints `source` and `target`, the CSV a batch named after the file, and
 * everything goes through the host's HTTP API as any client would. Run again with the same
 * `--data` folder and the batch gets an incremental sync (failed mailboxes are retried first).
 */
export interface RunOptions {
  config: string;
  csv: string;
  data?: string;
  json?: boolean;
  /** Plan only (cli/plan-view.ts): the batch is created without starting, nothing is copied. */
  dryRun?: boolean;
}

/** A batch run is short; this bounds only the wait for the report step after the batch settles. */
const REPORT_WAIT_MS = 120_000;
const SOURCE = 'source';
const TARGET = 'target';
const DIRECTORY = 'directory';
/** Batch statuses in which a run is under way (a run killed earlier resumes when the host starts). */
const UNDER_WAY = new Set(['Starting', 'Syncing', 'IncrementalSyncing', 'Completing', 'Stopping']);
/** Batch statuses from which a rerun first runs a start pass. */
const NEEDS_START = new Set(['Created', 'Stopped', 'Failed']);

export async function runOnce(options: RunOptions): Promise<ExitCode> {
  const timings = new RunTimings();
  timings.mark('load');
  const { config, csv, batchName } = checkedInputs(options);
  const progress = options.json ? process.stderr : process.stdout;
  // With --json, stdout carries only the report: anything else printed goes to stderr.
  if (options.json) console.log = console.error;

  const temporary = !options.data;
  const dataDir = options.data
    ? path.resolve(options.data)
    : mkdtempSync(path.join(tmpdir(), 'mailferry-run-'));
  mkdirSync(dataDir, { recursive: true });
  const apiKey = randomBytes(24).toString('base64url');
  // Azurite starts first (its own process) and comes up while this one loads the runtime and the
  // app; the data folder is locked before, as the host would.
  const { lockDataDir } = await import('../../local/data-lock');
  const { hostStorageLocation, startAzurite } = await import('../../local/azurite');
  lockDataDir(dataDir);
  const storage = startAzurite({ location: hostStorageLocation(dataDir) });
  let host: Host | undefined;
  try {
    host = await bootHost(storage, dataDir, apiKey, config);
    timings.mark('start');
    stopOnInterrupt(host, temporary ? dataDir : undefined);
    const client = new ApiClient({ url: host.url, key: apiKey });
    const directory = directoryRequest(DIRECTORY, config);
    // The endpoints and the batch list at once: none depends on another.
    const [, batches] = await Promise.all([
      ensureEndpoints(client, [
        endpointRequest(SOURCE, config.source, config.maxConcurrentMigrations),
        endpointRequest(TARGET, config.target, undefined),
        ...(directory ? [directory] : []),
      ]),
      listBatches(client),
    ]);
    const existing = batches.find((b) => b.name.toLowerCase() === batchName.toLowerCase());
    timings.mark('setup');
    if (options.dryRun) {
      const planned =
        existing ??
        (await createBatch(client, batchName, csv, {
          ...cutoverOptions(config, DIRECTORY),
          autoStart: false,
        }));
      return await printDryRun(client, planned.id, options.json);
    }
    let batch: Batch;
    if (!existing || (existing.status === 'Failed' && existing.validationErrorCount > 0)) {
      // First run, or a CSV that was refused before: (re)create the batch from this CSV.
      if (existing) await removeBatch(client, existing.id);
      batch = await createBatch(client, batchName, csv, cutoverOptions(config, DIRECTORY));
      progress.write(
        `batch ${batch.name} (${batch.id}): initial copy of ${batch.totalMailboxes} mailboxes\n`,
      );
      batch = await settle(host, client, batch.id, progress);
    } else batch = await rerun(host, client, existing, progress);
    // The engine part: from the batch's first request to its orchestration's end.
    timings.mark('copy');
    const mailboxes = await listMailboxes(client, batch.id);
    if (options.json) printJson(runReport(batch, mailboxes));
    else {
      printReport(batch, mailboxes);
      printSkipped(await skippedItems(client, batch.id, mailboxes));
    }
    return mailboxes.every(isSyncedMailbox) ? EXIT.ok : EXIT.mailboxesFailed;
  } finally {
    timings.mark('report');
    await host?.stop();
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    timings.mark('stop');
    const line = timings.line();
    if (line) process.stderr.write(`${line}\n`);
  }
}

/** Everything a user can get wrong is checked before the runtime starts. */
function checkedInputs(options: RunOptions): { config: RunConfig; csv: Buffer; batchName: string } {
  const config = loadRunConfig(options.config);
  const csv = readInput(options.csv);
  // The service checks the CSV with the same parser; checking here first fails fast, before a
  // runtime starts or a refused batch is recorded in --data.
  const parsed = parseBatchCsv(csv);
  if (!parsed.ok)
    throw errorFor(422, {
      code: 'CSV_INVALID',
      message: `--csv ${options.csv}: ${parsed.errors.length} problem(s); fix these rows`,
      errors: parsed.errors,
    });
  return { config, csv, batchName: batchNameFromFile(options.csv) };
}

/** The embedded runtime with the app, on the Azurite that is already starting. */
async function bootHost(
  storage: Promise<RunningAzurite>,
  dataDir: string,
  apiKey: string,
  config: RunConfig,
): Promise<Host> {
  const { startHost } = await import('../../local/host').catch(async (e: unknown) => {
    await (await storage.catch(() => undefined))?.stop();
    throw e;
  });
  return startHost({
    storage,
    appRoot: appRoot(),
    dataDir,
    port: 0,
    apiKey,
    settings: { MAILFERRY_DATA_DIR: dataDir, ...graphHostSettings(config) },
    log: (level, fn, message) => {
      if (level === 'warning' || level === 'error' || level === 'critical')
        process.stderr.write(`${level} ${fn}: ${message}\n`);
    },
  });
}

/** Ctrl-C stops the host cleanly; with --data, the next run resumes where this one stopped. */
function stopOnInterrupt(host: Host, temporaryDir: string | undefined): void {
  process.once('SIGINT', () => {
    process.stderr.write('stopping; run again with the same --data to resume\n');
    void host.stop().finally(() => {
      if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

/**
 * A batch this --data folder already holds: a run under way is resumed, what is not copied yet
 * (failed mailboxes, a stopped or never started batch) gets a start pass, then an incremental sync.
 */
async function rerun(
  host: Host,
  client: ApiClient,
  existing: Batch,
  progress: NodeJS.WriteStream,
): Promise<Batch> {
  let batch = existing;
  if (UNDER_WAY.has(batch.status)) {
    progress.write(`batch ${batch.name} (${batch.id}): resuming the ${batch.status} run\n`);
    batch = await settle(host, client, batch.id, progress);
  }
  const unfinished = NEEDS_START.has(batch.status) || batch.counts.Failed > 0;
  if (unfinished && (await allowed(client, batch.id)).includes('start')) {
    progress.write(
      batch.counts.Failed > 0
        ? `batch ${batch.name}: retrying ${batch.counts.Failed} failed mailbox(es)\n`
        : `batch ${batch.name}: starting the ${batch.status} batch\n`,
    );
    await client.post(`batches/${batch.id}/start`);
    batch = await settle(host, client, batch.id, progress);
  }
  const actions = await allowed(client, batch.id);
  if (!actions.includes('sync'))
    throw badInput(
      'BATCH_NOT_SYNCABLE',
      `Batch ${batch.name} is ${batch.status}: an incremental sync is not possible; run with a new --data folder or rename the CSV.`,
    );
  progress.write(`batch ${batch.name} (${batch.id}): incremental sync\n`);
  await client.post(`batches/${batch.id}/sync`);
  return settle(host, client, batch.id, progress);
}

async function createBatch(
  client: ApiClient,
  name: string,
  csv: Buffer,
  options: Record<string, string | boolean> = {},
): Promise<Batch> {
  const { status, body } = await client.send('POST', 'batches', {
    query: { name, autoStart: true, sourceEndpoint: SOURCE, target: TARGET, ...options },
    raw: { body: csv, contentType: 'text/csv' },
  });
  if (status !== 201) throw errorFor(status, body);
  return (body as BatchAnswer).batch;
}

/** Shows progress until the batch settles, then waits for its orchestration (the report) to finish. */
async function settle(host: Host, client: ApiClient, id: string, stream: NodeJS.WriteStream): Promise<Batch> {
  // The run's end wakes the watch at once: no wait for the next poll.
  const ended = host.engine.waitForCompletion(batchInstanceId(id), 24 * 3600_000).catch(() => undefined);
  const { batch } = await watchBatch(client, id, { stream, ended });
  await host.engine.waitForCompletion(batchInstanceId(id), REPORT_WAIT_MS).catch(() => undefined);
  return batch;
}

async function allowed(client: ApiClient, id: string): Promise<string[]> {
  return (await client.get<BatchAnswer>(`batches/${id}`)).allowedActions;
}

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw badInput(
      'CSV_UNREADABLE',
      `--csv ${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot be read'}`,
    );
  }
}

/** The project root (package.json, host.json), found upward from this file: works from dist/ and from source. */
function appRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'host.json')) && existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`cannot find the mailferry app (host.json) above ${__dirname}`);
  }
}
