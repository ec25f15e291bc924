/**
 * The command's exit codes, the same for every subcommand so scripts can rely on them:
 * 0 ok, 1 some mailboxes failed, 2 bad input (arguments, config, a 4xx answer with a coded
 * error, or a coded 502: a mail server an endpoint names does not answer), 3 the service cannot be
 * reached (or answers another 5xx: it cannot do the work right now).
 */
export const EXIT = {
  ok: 0,
  mailboxesFailed: 1,
  badInput: 2,
  unreachable: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A failure the CLI reports as one or more lines and an exit code, never a stack trace.
 * `lines` are printed after the first one (row errors of a CSV, allowed actions...).
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
    readonly lines: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const badInput = (code: string, message: string, lines: string[] = []): CliError =>
  new CliError(EXIT.badInput, code, message, lines);
