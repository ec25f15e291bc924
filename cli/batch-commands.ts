import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { Batch, Mailbox } from '../shared/state';
import { errorFor, isProblem } from './api-client';
import { byEmail, getBatch, isFailedMailbox, listBatches, listMailboxes, type BatchAnswer } from './batches';
import { clientFor, resolveBatchId, run } from './command-context';
import { EXIT, badInput, type ExitCode } from './exit-codes';
import { humanBytes, printJson, table } from './format';
import { DEFAULT_POLL_MS, watchBatch } from './watch';

/**
 * `mailferry batch new|list|show|start|stop|complete|sync|remove|report` and `mailferry watch`.
 * A batch is named by id or name. `report` and `watch` exit 1 when any mailbox failed.
 */
interface NewOptions {
  name?: string;
  source?: string;
  target?: string;
  autoStart?: boolean;
  allowUnknownColumns?: boolean;
  maxConcurrent?: number;
  notify?: string;
  json?: boolean;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of 1 or more');
  return n;
};

/** The exit code a settled batch earns: 1 when any mailbox failed (or the batch itself did). */
export function exitFor(batch: Batch, mailboxes: readonly Mailbox[]): ExitCode {
  return batch.status === 'Failed' || mailboxes.some(isFailedMailbox) ? EXIT.mailboxesFailed : EXIT.ok;
}

export function batchCommand(): Command {
  const batch = new Command('batch').description('create, run and inspect migration batches');

  batch
    .command('new <csv>')
    .description('create a batch from a CSV (EmailAddress,Password,ForceChangePassword or the IMAP form)')
    .option('--name <name>', 'batch name (default: the CSV file name)')
    .option('--source <endpoint>', 'source endpoint name (default: source)')
    .option('--target <endpoint>', 'target endpoint name (default: target)')
    .option('--auto-start', 'start the batch as soon as it is created')
    .option('--allow-unknown-columns', 'ignore columns the CSV formats do not define')
    .option('--max-concurrent <n>', 'mailboxes migrated at once in this batch', positiveInt)
    .option('--notify <emails>', 'comma-separated addresses for the status mails')
    .option('--json', 'print the created batch as JSON')
    .action(
      run(async (csvPath: string, opts: NewOptions, cmd: Command) => {
        const csv = readCsv(csvPath);
        const client = clientFor(cmd);
        const { status, body } = await client.send('POST', 'batches', {
          query: {
            name: opts.name ?? batchNameFromFile(csvPath),
            sourceEndpoint: opts.source,
            target: opts.target,
            autoStart: opts.autoStart ? true : undefined,
            allowUnknownColumns: opts.allowUnknownColumns ? true : undefined,
            maxConcurrentMigrations: opts.maxConcurrent,
            notificationEmails: opts.notify,
          },
          raw: { body: csv, contentType: 'text/csv' },
        });
        if (status !== 201) {
          const err = errorFor(status, body);
          const failed = isProblem(body) ? (body.batch as Batch | undefined) : undefined;
          if (failed)
            err.lines.push(
              `  batch ${failed.name} (${failed.id}) was recorded as ${failed.status}; fix the CSV, remove it and upload again`,
            );
          throw err;
        }
        const created = body as BatchAnswer;
        if (opts.json) return printJson(created);
        console.log(
          `batch ${created.batch.name} created: id ${created.batch.id}, ${created.batch.totalMailboxes} mailboxes, ${created.batch.status}`,
        );
        console.log(`  next: ${created.allowedActions.join(', ') || 'nothing'}`);
      }),
    );

  batch
    .command('list')
    .description('list batches with their status and mailbox counts')
    .option('--json', 'print JSON')
    .action(
      run(async (opts: { json?: boolean }, cmd: Command) => {
        const batches = await listBatches(clientFor(cmd));
        if (opts.json) return printJson(batches);
        if (!batches.length)
          return console.log('no batches yet: create one with `mailferry batch new <csv>`');
        console.log(
          table(batches, [
            { header: 'ID', value: (b) => b.id },
            { header: 'NAME', value: (b) => b.name },
            { header: 'STATUS', value: (b) => b.status },
            { header: 'MAILBOXES', value: (b) => b.totalMailboxes, right: true },
            { header: 'SYNCED', value: (b) => synced(b), right: true },
            { header: 'FAILED', value: (b) => b.counts.Failed + b.counts.IncrementalFailed, right: true },
            { header: 'CREATED', value: (b) => b.createdAt },
          ]),
        );
      }),
    );

  batch
    .command('show <batch>')
    .description('show a batch: status, counts, allowed actions, CSV problems')
    .option('--json', 'print JSON')
    .action(
      run(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
        const client = clientFor(cmd);
        const answer = await getBatch(client, await resolveBatchId(client, ref));
        if (opts.json) return printJson(answer);
        printBatch(answer);
      }),
    );

  for (const [action, what] of [
    ['start', 'start the initial copy (also retries failed and stopped mailboxes)'],
    ['stop', 'stop scheduling mailboxes; running ones finish their step'],
    ['complete', 'run the final incremental sync and complete the batch'],
    ['sync', 'run an incremental sync now'],
  ] as const) {
    batch
      .command(`${action} <batch>`)
      .description(what)
      .option('--watch', 'then show progress until the batch settles (exit 1 if any mailbox failed)')
      .option('--json', 'print the answer (or, with --watch, the final state) as JSON')
      .action(
        run(async (ref: string, opts: { watch?: boolean; json?: boolean }, cmd: Command) => {
          const client = clientFor(cmd);
          const id = await resolveBatchId(client, ref);
          const answer = await client.post<{ batch: Batch; allowedActions: string[] }>(
            `batches/${encodeURIComponent(id)}/${action}`,
          );
          if (!opts.watch) {
            if (opts.json) return printJson(answer);
            console.log(`batch ${answer.batch.name}: ${answer.batch.status}`);
            return;
          }
          return watchAndReport(cmd, id, opts.json);
        }),
      );
  }

  batch
    .command('remove <batch>')
    .description('remove a batch and its state (not the mail already copied)')
    .action(
      run(async (ref: string, _opts: unknown, cmd: Command) => {
        const client = clientFor(cmd);
        const id = await resolveBatchId(client, ref);
        await client.delete(`batches/${encodeURIComponent(id)}`);
        console.log(`batch ${ref} removed`);
      }),
    );

  batch
    .command('report <batch>')
    .description('per-mailbox statistics: status, items synced and skipped, bytes, rate, last sync, error')
    .option('--json', 'print {batch, mailboxes} as JSON')
    .action(
      run(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
        const client = clientFor(cmd);
        const id = await resolveBatchId(client, ref);
        const { batch: b } = await getBatch(client, id);
        const mailboxes = await listMailboxes(client, id);
        if (opts.json) printJson({ batch: b, mailboxes });
        else printReport(b, mailboxes);
        return exitFor(b, mailboxes);
      }),
    );

  return batch;
}

export function watchCommand(): Command {
  return new Command('watch')
    .argument('<batch>', 'batch id or name')
    .description('show a batch run live until it settles; exit 1 if any mailbox failed')
    .option('--json', 'progress on stderr, the final {batch, mailboxes} as JSON on stdout')
    .option('--interval <ms>', 'poll interval', positiveInt, DEFAULT_POLL_MS)
    .action(
      run(async (ref: string, opts: { json?: boolean; interval: number }, cmd: Command) =>
        watchAndReport(cmd, await resolveBatchId(clientFor(cmd), ref), opts.json, opts.interval),
      ),
    );
}

async function watchAndReport(cmd: Command, id: string, json?: boolean, pollMs?: number): Promise<ExitCode> {
  const stream = json ? process.stderr : process.stdout;
  const { batch, mailboxes } = await watchBatch(clientFor(cmd), id, { stream, pollMs });
  if (json) printJson({ batch, mailboxes });
  else printReport(batch, mailboxes);
  return exitFor(batch, mailboxes);
}

function synced(b: Batch): number {
  const c = b.counts;
  return c.Synced + c.IncrementalSynced + c.Completed + c.CompletedWithWarnings;
}

function printBatch({ batch: b, allowedActions, validationErrors }: BatchAnswer): void {
  const lines: Array<[string, string | number | undefined]> = [
    ['id', b.id],
    ['name', b.name],
    ['status', b.status],
    ['source', b.sourceEndpoint],
    ['target', b.target],
    ['mailboxes', b.totalMailboxes],
    ['created', b.createdAt],
    ['started', b.startedAt],
    ['last synced', b.lastSyncedAt],
    ['completed', b.completedAt],
    ['last error', b.lastError ? `${b.lastError.code}: ${b.lastError.message}` : undefined],
    [
      'counts',
      Object.entries(b.counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || 'none',
    ],
    ['actions', allowedActions.join(', ') || 'none'],
  ];
  for (const [k, v] of lines) if (v !== undefined) console.log(`${`${k}:`.padEnd(13)}${v}`);
  if (validationErrors?.length) {
    console.log(`CSV problems (${validationErrors.length}):`);
    for (const e of validationErrors)
      console.log(
        `  row ${String(e.row ?? '?')}${e.column ? `, ${String(e.column)}` : ''}: ${String(e.code)} ${String(e.message)}`,
      );
  }
}

export function printReport(b: Batch, mailboxes: readonly Mailbox[]): void {
  console.log(`batch ${b.name} (${b.id}): ${b.status}`);
  if (!mailboxes.length) return console.log('no mailboxes');
  console.log(
    table(byEmail(mailboxes), [
      { header: 'MAILBOX', value: (m) => m.email },
      { header: 'STATUS', value: (m) => m.status },
      { header: 'SYNCED', value: (m) => m.itemsSynced, right: true },
      { header: 'SKIPPED', value: (m) => m.itemsSkipped, right: true },
      { header: 'BYTES', value: (m) => humanBytes(m.bytesSynced), right: true },
      { header: 'ITEMS/MIN', value: (m) => m.ratePerMinute, right: true },
      { header: 'LAST SYNC', value: (m) => m.lastSuccessfulSync },
      { header: 'ERROR', value: (m) => (m.lastError ? `${m.lastError.code}: ${m.lastError.message}` : '') },
    ]),
  );
  const failed = mailboxes.filter(isFailedMailbox).length;
  console.log(`${mailboxes.length} mailboxes, ${failed} failed`);
}

function readCsv(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw badInput(
      'CSV_UNREADABLE',
      `${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot be read'}; check the path`,
    );
  }
}

/** A batch name from a CSV file name: `wave 1.csv` → `wave 1`; characters a name cannot hold become `-`. */
export function batchNameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.[^.]*$/, '');
  const cleaned = base
    .replace(/[^\p{L}\p{N} ._()-]/gu, '-')
    .trim()
    .slice(0, 64);
  return /^[\p{L}\p{N}]/u.test(cleaned) ? cleaned : `batch-${cleaned}`.slice(0, 64);
}
