/**
 * `npm run -s standin -- graph --users a@x.com,b@x.com [--port N] [--token-lifetime S]`
 *
 * Starts the Graph stand-in on 127.0.0.1 for local trials and acceptance checks without a tenant:
 * one registered app (a fresh client id and secret), the given users with mailboxes, their domains
 * verified. Prints ONE JSON line — {graphBaseUrl, authorityHost, tenantId, clientId, clientSecret,
 * sentMailUrl} — and serves until SIGTERM (or SIGINT). Bad arguments: a `{code, message}` line on
 * stderr and exit code 2.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Command, CommanderError } from 'commander';
import { startGraphStandin } from './graph-standin';

class UsageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function parseUsers(list: string): string[] {
  const users = list
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const bad = users.find((u) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(u));
  if (users.length === 0 || bad !== undefined)
    throw new UsageError(
      'STANDIN_BAD_USERS',
      `--users needs comma-separated e-mail addresses (user@domain); got '${bad ?? list}'.`,
    );
  return users;
}

function parseInteger(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      'STANDIN_BAD_OPTION',
      `${flag} must be a whole number from ${min} to ${max}; got '${value}'.`,
    );
  return n;
}

async function graph(opts: { users: string; port?: string; tokenLifetime?: string }): Promise<void> {
  const users = parseUsers(opts.users);
  const port = parseInteger(opts.port, '--port', 0, 65535);
  const tokenLifetimeSeconds = parseInteger(opts.tokenLifetime, '--token-lifetime', 1, 86_400);
  const clientId = randomUUID();
  const clientSecret = randomBytes(24).toString('base64url');
  const domains = [...new Set(users.map((u) => u.split('@')[1]!.toLowerCase()))];
  const g = await startGraphStandin({
    apps: [{ clientId, secret: clientSecret }],
    users: users.map((userPrincipalName) => ({ userPrincipalName })),
    domains: domains.map((id) => ({ id })),
    ...(port !== undefined ? { port } : {}),
    ...(tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds } : {}),
  });
  process.stdout.write(
    `${JSON.stringify({
      graphBaseUrl: g.url,
      authorityHost: g.authorityHost,
      tenantId: g.tenantId,
      clientId,
      clientSecret,
      sentMailUrl: g.sentMailUrl,
    })}\n`,
  );
  const stop = () => {
    void g.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function fail(code: string, message: string): never {
  process.stderr.write(`${JSON.stringify({ code, message })}\n`);
  process.exit(2);
}

const program = new Command('standin')
  .description('Local stand-ins for the services mailferry talks to (test tools; never for production)')
  .exitOverride()
  // Errors are reported once, as a {code, message} line (below), not in commander's words too.
  .configureOutput({ writeErr: () => undefined });

program
  .command('graph')
  .description(
    'Microsoft Graph + Entra ID token endpoint on 127.0.0.1; prints one JSON line, serves until SIGTERM',
  )
  .requiredOption('--users <list>', 'comma-separated mailboxes, e.g. a@contoso.com,b@contoso.com')
  .option('--port <n>', 'port to listen on (default: any free port)')
  .option('--token-lifetime <seconds>', 'lifetime of issued access tokens')
  .action(graph);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof UsageError) fail(e.code, e.message);
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) process.exit(0);
    fail('STANDIN_BAD_ARGUMENTS', e.message);
  }
  if ((e as NodeJS.ErrnoException)?.code === 'EADDRINUSE')
    fail('STANDIN_PORT_IN_USE', `The port is in use: ${String((e as Error).message)}`);
  fail('STANDIN_FAILED', String((e as Error)?.message ?? e));
});
