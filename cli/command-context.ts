import type { Command } from 'commander';
import { ApiClient } from './api-client';
import { findBatchByName } from './batches';
import { resolveConnection, type ConnectionOptions } from './connection';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { BATCH_ID_PATTERN } from '../shared/state/keys';

/** What every command against a running instance shares: its client and how it names a batch. */
export function clientFor(command: Command): ApiClient {
  return new ApiClient(resolveConnection(command.optsWithGlobals<ConnectionOptions>()));
}

/**
 * A batch is named on the command line by its id or by its name: an id is tried first, then the
 * name (names are unique ignoring case), so `mailferry batch show wave1` works too.
 */
export async function resolveBatchId(client: ApiClient, ref: string): Promise<string> {
  if (BATCH_ID_PATTERN.test(ref)) {
    const { status } = await client.send('GET', `batches/${encodeURIComponent(ref)}`);
    // Anything but 404 (found, or an error the real request will report) means: use it as an id.
    if (status !== 404) return ref;
  }
  const byName = await findBatchByName(client, ref);
  if (byName) return byName.id;
  throw new CliError(
    EXIT.badInput,
    'BATCH_NOT_FOUND',
    `No batch has the id or name "${ref}"; \`mailferry batch list\` shows them.`,
  );
}

/** Wraps an async action so its exit code becomes the process's (errors are printed by main). */
export function withExit<A extends unknown[]>(
  action: (...args: A) => Promise<ExitCode | void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await action(...args);
    process.exitCode = code ?? EXIT.ok;
  };
}
