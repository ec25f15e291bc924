import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { Batch } from '../shared/state';
import { errorFor, isProblem } from './api-client';
import {
  batchNameFromFile,
  getBatch,
  listBatches,
  listMailboxes,
  removeBatch,
  skippedItems,
  type BatchAnswer,
} from './batches';
import { exitFor, printBatch, printReport, printSkipped, syncedCount } from './batch-view';
import { clientFor, resolveBatchId, withExit } from './command-context';
import { badInput, type ExitCode } from './exit-codes';
import { printJson, table } from './format';
import { DEFAULT_POLL_MS, watchBatch } from './watch';
import { passOptions, passQuery, withPassFlags, type PassFlags } from './pass-options';
import { fetchPlan, formatPlan } from './plan-view';

/**
 * `mailferry batch new|list|show|start|stop|complete|sync|remove|report` and `mailferry watch`.
 * A batch is named by id or name. `report` and `watch` exit 1 when any mailbox failed.
 */
interface NewOptions extends PassFlags {
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

export function batchCommand(): Command {
  const batch = new Command('batch').description('create, plan, run and inspect migration batches');
  for (const add of [addNew, addList, addShow, addPlan, addOptions, addActions, addRemove, addReport])
    add(batch);
  return batch;
}

/** `batch new <csv>`: create a batch from a CSV sent as the body, options in the query string. */
function addNew(batch: Command): void {
  withPassFlags(batch.command('new <csv>'))
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
      withExit(async (csvPath: string, opts: NewOptions, cmd: Command) => {
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
            ...passQuery(opts),
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
}

/** `batch plan <batch>`: the dry run, a table per folder; nothing is written to the target. */
function addPlan(batch: Command): void {
  batch
    .command('plan <batch>')
    .description('dry run: per mailbox and folder, where it lands, messages, sizes, what is left out, time')
    .option('--rate <bytesPerMinute>', 'estimate at this rate instead of the measured one', positiveInt)
    .option('--json', 'print the plan as JSON')
    .action(
      withExit(async (ref: string, opts: { rate?: number; json?: boolean }, cmd: Command) => {
        const client = clientFor(cmd);
        const plan = await fetchPlan(client, await resolveBatchId(client, ref), opts.rate);
        if (opts.json) return printJson(plan);
        console.log(formatPlan(plan));
      }),
    );
}

/** `batch options <batch>`: change the options that shape the next pass (e.g. drop --before for the final one). */
function addOptions(batch: Command): void {
  withPassFlags(batch.command('options <batch>'))
    .description("change a batch's date window, folder mapping or deletion mirroring for its next pass")
    .option('--no-mirror-deletions', 'stop mirroring deletions')
    .option('--clear <options>', 'comma-separated options to remove, e.g. before,since,folderMap')
    .option('--json', 'print the changed batch as JSON')
    .action(
      withExit(async (ref: string, opts: PassFlags & { clear?: string; json?: boolean }, cmd: Command) => {
        const client = clientFor(cmd);
        const id = await resolveBatchId(client, ref);
        const cleared = (opts.clear ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const answer = await client.request<BatchAnswer>(
          'PATCH',
          `batches/${encodeURIComponent(id)}/options`,
          {
            json: { ...passOptions(opts), ...Object.fromEntries(cleared.map((k) => [k, null])) },
          },
        );
        if (opts.json) return printJson(answer);
        const o = answer.batch.options;
        console.log(`batch ${answer.batch.name}: options changed`);
        console.log(
          `  since ${o.since ?? '-'}, before ${o.before ?? '-'}, mirror deletions ${o.mirrorDeletions ? 'ON' : 'off'}`,
        );
        const mapped = Object.entries(o.folderMap ?? {});
        for (const [from, to] of mapped) console.log(`  folder ${from} -> ${to}`);
        for (const r of o.folderRules ?? []) console.log(`  rule ${r.match} -> ${r.to}`);
      }),
    );
}

/** `batch list`. */
function addList(batch: Command): void {
  batch
    .command('list')
    .description('list batches with their status and mailbox counts')
    .option('--json', 'print JSON')
    .action(
      withExit(async (opts: { json?: boolean }, cmd: Command) => {
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
            { header: 'SYNCED', value: (b) => syncedCount(b), right: true },
            { header: 'FAILED', value: (b) => b.counts.Failed + b.counts.IncrementalFailed, right: true },
            { header: 'CREATED', value: (b) => b.createdAt },
          ]),
        );
      }),
    );
}

/** `batch show <batch>`. */
function addShow(batch: Command): void {
  batch
    .command('show <batch>')
    .description('show a batch: status, counts, allowed actions, CSV problems')
    .option('--json', 'print JSON')
    .action(
      withExit(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
        const client = clientFor(cmd);
        const answer = await getBatch(client, await resolveBatchId(client, ref));
        if (opts.json) return printJson(answer);
        printBatch(answer);
      }),
    );
}

/** `batch start|stop|complete|sync <batch>`. */
function addActions(batch: Command): void {
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
        withExit(async (ref: string, opts: { watch?: boolean; json?: boolean }, cmd: Command) => {
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
}

/** `batch remove <batch>`. */
function addRemove(batch: Command): void {
  batch
    .command('remove <batch>')
    .description('remove a batch and its state (not the mail already copied)')
    .option('--no-wait', 'return once the service accepted the removal')
    .action(
      withExit(async (ref: string, opts: { wait: boolean }, cmd: Command) => {
        const client = clientFor(cmd);
        await removeBatch(client, await resolveBatchId(client, ref), opts.wait);
        console.log(opts.wait ? `batch ${ref} removed` : `batch ${ref} is being removed`);
      }),
    );
}

/** `batch report <batch>`. */
function addReport(batch: Command): void {
  batch
    .command('report <batch>')
    .description('per-mailbox statistics: status, items synced and skipped, bytes, rate, last sync, error')
    .option('--skipped', 'also list the skipped items (folder, date, subject, size, reason)')
    .option('--json', 'print {batch, mailboxes[, skippedItems]} as JSON')
    .action(
      withExit(async (ref: string, opts: { json?: boolean; skipped?: boolean }, cmd: Command) => {
        const client = clientFor(cmd);
        const id = await resolveBatchId(client, ref);
        const { batch: b } = await getBatch(client, id);
        const mailboxes = await listMailboxes(client, id);
        const skipped = opts.skipped ? await skippedItems(client, id, mailboxes) : undefined;
        if (opts.json) printJson({ batch: b, mailboxes, ...(skipped ? { skippedItems: skipped } : {}) });
        else {
          printReport(b, mailboxes);
          if (skipped) printSkipped(skipped);
        }
        return exitFor(b, mailboxes);
      }),
    );
}

export function watchCommand(): Command {
  return new Command('watch')
    .argument('<batch>', 'batch id or name')
    .description('show a batch run live until it settles; exit 1 if any mailbox failed')
    .option('--json', 'progress on stderr, the final {batch, mailboxes} as JSON on stdout')
    .option('--interval <ms>', 'poll interval', positiveInt, DEFAULT_POLL_MS)
    .action(
      withExit(async (ref: string, opts: { json?: boolean; interval: number }, cmd: Command) =>
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
