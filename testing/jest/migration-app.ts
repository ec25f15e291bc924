import type { Host, HostOptions } from '../../local/host';
import { startDovecot, type RunningDovecot } from '../mail/dovecot';
import { addImapEndpoints, apiFor, imapAs, startApp, type Api } from './app';

/**
 * The setting of the app-level migration tests: two Dovecots (source and target) with the same
 * users, the real function app on the embedded runtime, and endpoints `source` and `target` made
 * through the API as an administrator makes them. Started in `beforeAll`, stopped in `afterAll`.
 */
export interface MigrationApp {
  api: Api;
  host(): Host;
  source(): RunningDovecot;
  target(): RunningDovecot;
}

export interface MigrationAppOptions {
  apiKey: string;
  /** Users on both servers. */
  users: string[];
  /** Users with a mailbox on the source only (their migration fails for want of a target mailbox). */
  sourceOnlyUsers?: string[];
  /** Put the source's mail in place, after every user exists (a login between two additions can miss the second). */
  seed?: (source: RunningDovecot) => Promise<void>;
  /** The app's options; a function is called when the app starts (e.g. after an SMTP catcher has its port). */
  app?: Partial<HostOptions> | (() => Partial<HostOptions>);
  endpoints?: Parameters<typeof addImapEndpoints>[2];
}

export function useMigrationApp(options: MigrationAppOptions): MigrationApp {
  let host: Host | undefined;
  let source: RunningDovecot | undefined;
  let target: RunningDovecot | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`${what} is not running: call useMigrationApp() at the top of the test file`);
    return value;
  };
  const app: MigrationApp = {
    api: apiFor(() => need(host, 'the app'), options.apiKey),
    host: () => need(host, 'the app'),
    source: () => need(source, 'the source Dovecot'),
    target: () => need(target, 'the target Dovecot'),
  };
  beforeAll(async () => {
    [source, target] = await Promise.all([startDovecot(), startDovecot()]);
    for (const user of options.users) {
      source.addUser(user, 'x');
      target.addUser(user, 'x');
    }
    for (const user of options.sourceOnlyUsers ?? []) source.addUser(user, 'x');
    await options.seed?.(source);
    host = await startApp(options.apiKey, typeof options.app === 'function' ? options.app() : options.app);
    await addImapEndpoints(app.api, { source, target }, options.endpoints);
  }, 60000);
  afterAll(async () => {
    await host?.stop();
    await Promise.all([source?.stop(), target?.stop()]);
  });
  return app;
}

/** A small text message with a Message-ID made from its subject. */
export const textMessage = (subject: string, body = subject): string =>
  `From: a@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@x>\r\n\r\n${body}\r\n`;

/** The subjects in a user's folder, sorted; undefined when the folder does not exist. */
export async function subjectsIn(
  server: RunningDovecot,
  user: string,
  folder: string,
): Promise<string[] | undefined> {
  const c = await imapAs(server, user);
  try {
    const listed = (await c.list()).map((f) => f.path);
    if (!listed.includes(folder)) return undefined;
    const box = await c.mailboxOpen(folder, { readOnly: true });
    if (!box.exists) return [];
    const out: string[] = [];
    for await (const m of c.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
    return out.sort();
  } finally {
    await c.logout();
  }
}
