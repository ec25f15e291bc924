import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Endpoint } from '../shared/state';
import { ENDPOINT_TYPES } from '../shared/state/model';
import { clientFor, withExit } from './command-context';
import { badInput } from './exit-codes';
import { printJson, table } from './format';

/**
 * `mailferry endpoint add|update|list|test|remove`: where mail comes from and goes to. A password is
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
  addEndpoint(endpoint);
  updateEndpoint(endpoint);
  listEndpoints(endpoint);
  testEndpoint(endpoint);
  removeEndpoint(endpoint);
  return endpoint;
}

/** `endpoint add`: create an endpoint. */
function addEndpoint(endpoint: Command): void {
  withImapOptions(
    endpoint
      .command('add <name>')
      .description('create an endpoint')
      .addOption(new Option('--type <type>', 'endpoint type').choices(ENDPOINT_TYPES).default('imap')),
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
}

/** `endpoint update`: change the options given, keep the rest. */
function updateEndpoint(endpoint: Command): void {
  withImapOptions(
    endpoint
      .command('update <name>')
      .description(
        'change an endpoint, in use or not: the options given replace those settings, the rest stay (a new host, port or security needs the password again)',
      ),
  )
    .option('--settings <json>', 'further settings as a JSON object (merged over the current ones)')
    .option('--json', 'print the updated endpoint as JSON')
    .action(
      withExit(async (name: string, opts: Omit<AddOptions, 'type'>, cmd: Command) => {
        const client = clientFor(cmd);
        const { endpoints } = await client.get<{ endpoints: Endpoint[] }>('endpoints');
        const current = endpoints.find((e) => e.name.toLowerCase() === name.toLowerCase());
        if (!current)
          throw badInput(
            'ENDPOINT_NOT_FOUND',
            `there is no endpoint named "${name}"; see \`mailferry endpoint list\``,
          );
        const changes = endpointSettings({ ...opts, type: current.type });
        const password = readPassword({ ...opts, type: current.type });
        const body = {
          ...(Object.keys(changes).length ? { settings: { ...current.settings, ...changes } } : {}),
          ...(password ? { password } : {}),
          ...(opts.maxConcurrent ? { maxConcurrentMigrations: opts.maxConcurrent } : {}),
        };
        if (!Object.keys(body).length)
          throw badInput('NOTHING_TO_UPDATE', 'give at least one option to change (see --help)');
        const { endpoint: updated } = await client.put<{ endpoint: Endpoint }>(
          `endpoints/${encodeURIComponent(current.name)}`,
          { json: body },
        );
        if (opts.json) printJson(updated);
        else console.log(`endpoint ${updated.name} updated`);
      }),
    );
}

/** `endpoint list`: a table of endpoints (never a password). */
function listEndpoints(endpoint: Command): void {
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
            { header: 'HOST', value: (e) => s(e, 'host') || s(e, 'url') }, // a directory (ldap) endpoint: its URL
            { header: 'PORT', value: (e) => s(e, 'port'), right: true },
            { header: 'SECURITY', value: (e) => s(e, 'security') },
            { header: 'ADMIN', value: (e) => (e.settings.admin as { user?: string } | undefined)?.user },
            { header: 'MAX', value: (e) => e.maxConcurrentMigrations, right: true },
          ]),
        );
      }),
    );
}

/** `endpoint test`: log in once. */
function testEndpoint(endpoint: Command): void {
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
}

/** `endpoint remove`: an endpoint no batch uses. */
function removeEndpoint(endpoint: Command): void {
  endpoint
    .command('remove <name>')
    .description('remove an endpoint no batch uses')
    .action(
      withExit(async (name: string, _opts: unknown, cmd: Command) => {
        await clientFor(cmd).delete(`endpoints/${encodeURIComponent(name)}`);
        console.log(`endpoint ${name} removed`);
      }),
    );
}

/** The IMAP server, admin, password and concurrency options that add and update share. */
function withImapOptions(command: Command): Command {
  return command
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
    );
}

function endpointSettings(opts: AddOptions): Record<string, unknown> {
  let settings: Record<string, unknown> = {};
  if (opts.settings) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(opts.settings);
    } catch {
      throw badInput(
        'CLI_SETTINGS_INVALID',
        '--settings: not JSON; pass an object such as \'{"maxMessageSizeMB":50}\'',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw badInput('CLI_SETTINGS_INVALID', '--settings: pass a JSON object');
    settings = parsed as Record<string, unknown>;
  }
  if (opts.host !== undefined) settings.host = opts.host;
  if (opts.port !== undefined) settings.port = opts.port;
  if (opts.security !== undefined) settings.security = opts.security;
  if (opts.adminUser !== undefined || opts.loginFormat !== undefined) {
    if (!opts.adminUser) throw badInput('CLI_SETTINGS_INVALID', '--login-format needs --admin-user');
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
