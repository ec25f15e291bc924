#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { batchCommand, watchCommand } from './batch-commands';
import { DEFAULT_URL } from './connection';
import { endpointCommand } from './endpoint-commands';
import { dnsCommand } from './dns-commands';
import { CliError, EXIT } from './exit-codes';

/**
 * `mailferry`: the command-line entry. Exit codes (cli/exit-codes.ts): 0 ok, 1 some mailboxes
 * failed, 2 bad input, 3 service unreachable. Errors are printed as `error CODE: message`, never
 * as a stack. `serve` and `run` load the embedded runtime only when they run, so the commands
 * against an instance start fast.
 */
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
};

const program = new Command('mailferry').description('Staged mailbox migration to Microsoft 365');
// Before any subcommand is added: subcommands copy these settings when they are created.
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.badInput);
});
program
  .option('--url <url>', `the mailferry service (env MAILFERRY_URL; default ${DEFAULT_URL})`)
  .option('--key <key>', 'API key (env MAILFERRY_API_KEY; for a local url, .mailferry/api-key)');

program
  .command('serve')
  .description('run the function app on the embedded runtime (API on http://127.0.0.1:7071)')
  .option(
    '--data <dir>',
    'data folder for storage, secrets and the API key',
    process.env.MAILFERRY_DATA_DIR ?? '.mailferry',
  )
  .option('--port <port>', 'HTTP port on 127.0.0.1', port, 7071)
  .action(async (opts: { data: string; port: number }) => (await import('./serve')).serve(opts));

program
  .command('run')
  .description('run one batch start to end on the embedded runtime in this process (again: incremental sync)')
  .requiredOption('--config <file>', 'source and target servers (JSON)')
  .requiredOption('--csv <file>', 'the batch CSV; the batch is named after the file')
  .option(
    '--data <dir>',
    'data folder to keep state in (rerun with it for an incremental sync); default a temp folder',
  )
  .option('--json', 'progress on stderr, the final report as JSON on stdout')
  .option('--dry-run', 'log in to both sides and print what the run would copy, without copying; exit 0')
  .action(async (opts: { config: string; csv: string; data?: string; json?: boolean; dryRun?: boolean }) => {
    (await import('./run/heap')).keepHeapSmall();
    process.exitCode = await (await import('./run/run')).runOnce(opts);
  });

program.addCommand(endpointCommand());
program.addCommand(batchCommand());
program.addCommand(watchCommand());
program.addCommand(dnsCommand());

// addCommand does not copy settings: give the added command trees the same exit handling.
const inherit = (cmd: Command): void => {
  cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.badInput));
  cmd.commands.forEach(inherit);
};
program.commands.forEach(inherit);

program
  .parseAsync(process.argv)
  .then(() => {
    // The run host may leave idle sockets behind; the exit code is settled, so leave now.
    process.exit();
  })
  .catch((e: unknown) => {
    if (e instanceof CliError) {
      console.error(`error ${e.code}: ${e.message}`);
      for (const line of e.lines) console.error(line);
      process.exit(e.exitCode);
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.MAILFERRY_DEBUG && e instanceof Error) console.error(e.stack);
    process.exit(EXIT.unreachable);
  });
