import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GraphStandin } from '../graph-standin';
import type { RunningDovecot } from '../mail/dovecot';
import { CLIENT_ID, TEST_SECRET } from './graph';

export interface GraphRunFiles {
  work: string;
  config: string;
  csv: string;
  /** The run's data folder (`--data`). */
  data: string;
}

/**
 * The files of a `mailferry run` from a test Dovecot (through its admin) into the Graph stand-in by
 * Graph mail: a config, a CSV of `users`, and a data folder, in a fresh temporary folder.
 */
export function graphRunFiles(
  name: string,
  source: RunningDovecot,
  standin: GraphStandin,
  users: string[],
  target: Record<string, unknown> = {},
): GraphRunFiles {
  const work = mkdtempSync(path.join(tmpdir(), `mailferry-${name}-`));
  const config = path.join(work, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      source: {
        type: 'imap',
        host: source.host,
        port: source.port,
        security: 'none',
        admin: { user: source.admin.user, password: source.admin.password },
      },
      target: {
        type: 'microsoft365',
        tenantId: standin.tenantId,
        clientId: CLIENT_ID,
        clientSecret: TEST_SECRET,
        authorityHost: standin.authorityHost,
        graphBaseUrl: standin.url,
        mailTransport: 'graph',
        ...target,
      },
    }),
  );
  const csv = path.join(work, 'wave.csv');
  writeFileSync(csv, ['EmailAddress', ...users].join('\r\n') + '\r\n');
  return { work, config, csv, data: path.join(work, 'data') };
}
