import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDovecot } from '../testing/mail/dovecot';

/**
 * The anchor: isync's mbsync copying the same mailbox between the same servers (admin proxy
 * logins, every folder, pull only, arrival dates kept). One process per mailbox, as an administrator would script it.
 */
export function mbsyncInstalled(): boolean {
  return spawnSync('mbsync', ['--version']).status === 0;
}

export interface MbsyncJob {
  /** Source mailbox. */
  from: string;
  /** Target mailbox (a fresh one per round; the state files live in `dir`). */
  to: string;
  /** Folder for the config and the sync state. */
  dir: string;
  name: string;
}

function store(name: string, d: RunningDovecot, user: string): string {
  return [
    `IMAPAccount ${name}`,
    `Host ${d.host}`,
    `Port ${d.port}`,
    `User ${user}*${d.admin.user}`,
    `Pass ${d.admin.password}`,
    'SSLType None',
    'AuthMechs LOGIN',
    '',
    `IMAPStore ${name}-store`,
    `Account ${name}`,
    '',
  ].join('\n');
}

/** Writes the job's config; returns its path (run it again for mbsync's unchanged rerun). */
export function mbsyncConfig(src: RunningDovecot, dst: RunningDovecot, job: MbsyncJob): string {
  const conf = join(job.dir, `${job.name}.mbsyncrc`);
  writeFileSync(
    conf,
    [
      store('src', src, job.from),
      store('dst', dst, job.to),
      'Channel copy',
      'Far :src-store:',
      'Near :dst-store:',
      'Patterns *',
      'Create Near',
      'Sync Pull',
      // Keep each message's arrival date (INTERNALDATE), as mailferry does: without it mbsync's
      // APPENDs carry no date, every copy shows the day of the copy, and the server skips setting
      // it (judy into the Exchange-like Dovecot: 2.75 s without, 3.03 s with).
      'CopyArrivalDate yes',
      `SyncState ${job.dir}/${job.name}-state-`,
      '',
    ].join('\n'),
  );
  return conf;
}

/** Runs these configs at once (one mbsync each); resolves with the wall time in seconds. */
export async function runMbsync(configs: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    configs.map(
      (conf) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn('mbsync', ['-c', conf, '-q', 'copy'], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr.on('data', (c: Buffer) => (err += c.toString()));
          child.once('exit', (rc) =>
            rc === 0 ? resolve() : reject(new Error(`mbsync failed: ${err.slice(-300)}`)),
          );
        }),
    ),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}
