#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { serve } from './serve';

/** `mailferry`: the command-line entry. Exit codes: 0 ok, 1 some mailboxes failed, 2 bad input, 3 service unreachable. */
const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
};

const program = new Command('mailferry').description('Staged mailbox migration to Microsoft 365');
program
  .command('serve')
  .description('run the function app on the embedded runtime (API on http://127.0.0.1:7071)')
  .option(
    '--data <dir>',
    'data folder for storage, secrets and the API key',
    process.env.MAILFERRY_DATA_DIR ?? '.mailferry',
  )
  .option('--port <port>', 'HTTP port on 127.0.0.1', port, 7071)
  .action((opts: { data: string; port: number }) => serve(opts));

program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
