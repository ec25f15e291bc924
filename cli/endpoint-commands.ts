import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Endpoint } from '../shared/state';
import { clientFor, withExit } from './command-context';
import { badInput } from './exit-codes';
import { printJson, table } from './format';

/**
 * `mailferry endpoint add|list|test|remove`: where mail comes from and goes to. A password is
 * never taken on the command line (it would show in `ps` and shell history): it is read from an
 * environment variable (`--password-env NAME`) or from standard input (`--password-stdin`).
 */
interface AddOptions {
  type: string;
  host?: string;
  port?: number;
  security?: string;
  adminUser?: string;
  loginFormat?: string;
  passwordEnv?: string;
  passwordStdin?: boolean;
  maxConcurrent?: number;
  settings?: string;
  json?: boolean;
}

const positiveInt = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} is a whole number of 1 or more`);
  return n;
};

export function endpointCommand(): Command {
  const endpoint = new Command('endpoint').description(
    'manage migration endpoints (source and target systems)',
  );

  endpoint
    .command('add <name>')
    .description('create an endpoint')
    .addOption(
      new Option('--type <type>', 'endpoint type')
        .choices(['imap', 'graph', 'ews', 'microsoft365'])
        .default('imap'),
    )
    .option('--host <host>', 'IMAP server host name')
    .option('--port <port>', 'IMAP port', positiveInt('--port'))
    .addOption(
      new Option('--security <mode>', 'IMAP transport security').choices(['tls', 'starttls', 'none']),
    )
    .option('--admin-user <user>', 'admin account for proxy logins')
    .option('--login-format <format>', 'admin proxy login, e.g. "{user}*{admin}" (Dovecot)')
    .option('--password-env <name>', 'read the password from this environment variable')
    .option('--password-stdin', 'read the password from standard input')
    .option(
      '--max-concurrent <n>',
      'mailboxes migrated at once from this source',
      positiveInt('--max-concurrent'),
    )
    .option('--settings <json>', 'further settings as a JSON object (merged under the options above)')
    .option('--json', 'print the created endpoint as JSON')
    .action(
      withExit(async (name: string, opts: AddOptions, cmd: Command) => {
        const body = {
          name,
          type: opts.type,
          settings: endpointSettings(opts),
          password: readPassword(opts),
          maxConcurrentMigrations: opts.maxConcurrent,
        };
        const { endpoint: created } = await clientFor(cmd).post<{ endpoint: Endpoint }>('endpoints', {
          json: body,
        });
        if (opts.json) printJson(created);
        else console.log(`endpoint ${created.name} (${created.type}) created`);
      }),
    );

  endpoint
    .command('list')
    .description('list endpoints')
    .option('--json', 'print JSON')
    .action(
      withExit(async (opts: { json?: boolean }, cmd: Command) => {
        const { endpoints } = await clientFor(cmd).get<{ endpoints: Endpoint[] }>('endpoints');
        if (opts.json) return printJson(endpoints);
        if (!endpoints.length) return console.log('no endpoints yet: add one with `mailferry endpoint add`');
        const s = (e: Endpoint, k: string): string => {
          const v = e.settings[k];
          return v === undefined ? '' : String(v);
        };
        console.log(
          table(endpoints, [
            { header: 'NAME', value: (e) => e.name },
            { header: 'TYPE', value: (e) => e.type },
            { header: 'HOST', value: (e) => s(e, 'host') },
            { header: 'PORT', value: (e) => s(e, 'port'), right: true },
            { header: 'SECURITY', value: (e) => s(e, 'security') },
            { header: 'ADMIN', value: (e) => (e.settings.admin as { user?: string } | undefined)?.user },
            { header: 'MAX', value: (e) => e.maxConcurrentMigrations, right: true },
          ]),
        );
      }),
    );

  endpoint
    .command('test <name>')
    .description('log in to the endpoint (as the admin, or as --email through the admin proxy login)')
    .option('--email <address>', 'mailbox to log in as')
    .option('--json', 'print JSON')
    .action(
      withExit(async (name: string, opts: { email?: string; json?: boolean }, cmd: Command) => {
        const result = await clientFor(cmd).post<{ loggedInAs: string; ms: number; capabilities: string[] }>(
          `endpoints/${encodeURIComponent(name)}/test`,
          { json: opts.email ? { emailAddress: opts.email } : {} },
        );
        if (opts.json) printJson(result);
        else console.log(`endpoint ${name}: logged in as ${result.loggedInAs} in ${result.ms} ms`);
      }),
    );

  endpoint
    .command('remove <name>')
    .description('remove an endpoint no batch uses')
    .action(
      withExit(async (name: string, _opts: unknown, cmd: Command) => {
        await clientFor(cmd).delete(`endpoints/${encodeURIComponent(name)}`);
        console.log(`endpoint ${name} removed`);
      }),
    );

  return endpoint;
}

function endpointSettings(opts: AddOptions): Record<string, unknown> {
  let settings: Record<string, unknown> = {};
  if (opts.settings) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(opts.settings);
    } catch {
      throw badInput(
        'SETTINGS_INVALID',
        '--settings: not JSON; pass an object such as \'{"maxMessageSizeMB":50}\'',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw badInput('SETTINGS_INVALID', '--settings: pass a JSON object');
    settings = parsed as Record<string, unknown>;
  }
  if (opts.host !== undefined) settings.host = opts.host;
  if (opts.port !== undefined) settings.port = opts.port;
  if (opts.security !== undefined) settings.security = opts.security;
  if (opts.adminUser !== undefined || opts.loginFormat !== undefined) {
    if (!opts.adminUser) throw badInput('SETTINGS_INVALID', '--login-format needs --admin-user');
    settings.admin = { user: opts.adminUser, ...(opts.loginFormat ? { loginFormat: opts.loginFormat } : {}) };
  }
  return settings;
}

function readPassword(opts: AddOptions): string | undefined {
  if (opts.passwordEnv && opts.passwordStdin)
    throw badInput('PASSWORD_SOURCE', 'use --password-env or --password-stdin, not both');
  if (opts.passwordEnv) {
    const value = process.env[opts.passwordEnv];
    if (!value)
      throw badInput(
        'PASSWORD_MISSING',
        `--password-env: the environment variable ${opts.passwordEnv} is not set`,
      );
    return value;
  }
  if (opts.passwordStdin) {
    const value = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    if (!value) throw badInput('PASSWORD_MISSING', '--password-stdin: standard input was empty');
    return value;
  }
  return undefined;
}
