import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunningDovecot } from '../testing/mail/dovecot';
import { ownCpuSeconds } from './cpu-time';

/**
 * Runs the product as a user does: `node dist/cli/main.js run --config F --csv F --data D`
 * (the package's bin), timing the whole command from spawn to exit, reading the engine's part
 * from the run's own `timings:` line (MAILFERRY_TIMINGS), and sampling the resident memory of
 * the node process and of its children (Azurite) every 25 ms from /proc.
 */
const MAIN = builtCli();

/** dist/cli/main.js of the project this benchmark runs from (compiled into build/bench/). */
function builtCli(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const main = join(dir, 'dist', 'cli', 'main.js');
    if (existsSync(main) && existsSync(join(dir, 'package.json'))) return main;
  }
  throw new Error(`no dist/cli/main.js above ${__dirname}: run npm run build`);
}
const MB = 1024 * 1024;

export interface CliRun {
  seconds: number;
  /** Phase → milliseconds, from the run's `timings:` line. */
  phases: Record<string, number>;
  peakNodeMB: number;
  peakChildrenMB: number;
  peakTotalMB: number;
  /** CPU seconds of the node process and of its children (Azurite), as last sampled. */
  cpuNodeS: number;
  cpuChildrenS: number;
  copied: number;
  bytes: number;
}

const side = (d: RunningDovecot, extra: Record<string, unknown> = {}) => ({
  type: 'imap',
  host: d.host,
  port: d.port,
  security: 'none',
  admin: { user: d.admin.user, password: d.admin.password, loginFormat: '{user}*{admin}' },
  ...extra,
});

/** Writes the run's config and CSV into `dir`; returns their paths. */
export function runFiles(
  dir: string,
  name: string,
  src: RunningDovecot,
  dst: RunningDovecot,
  emails: string[],
): { config: string; csv: string } {
  const config = join(dir, `${name}.json`);
  const csv = join(dir, `${name}.csv`);
  writeFileSync(
    config,
    JSON.stringify({ source: side(src), target: side(dst), maxConcurrentMigrations: emails.length }),
  );
  writeFileSync(csv, ['EmailAddress', ...emails].join('\r\n') + '\r\n');
  return { config, csv };
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // The process ended between two reads.
  }
  return out;
}

function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);
}

function descendantsRss(pid: number): number {
  return descendants(pid).reduce((n, c) => n + rssBytes(c), 0);
}

export function parseTimings(stderr: string): Record<string, number> {
  const line = /^timings: (.*)$/m.exec(stderr)?.[1] ?? '';
  const phases: Record<string, number> = {};
  for (const part of line.split(', ')) {
    const m = /^(\w+) (\d+) ms$/.exec(part);
    if (m) phases[m[1] as string] = Number(m[2]);
  }
  return phases;
}

export function runMailferry(files: { config: string; csv: string }, data: string): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [MAIN, 'run', '--config', files.config, '--csv', files.csv, '--data', data, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MAILFERRY_TIMINGS: '1' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const peak = { node: 0, children: 0, total: 0 };
    // Last CPU seen per process: a child's last sample stands once it has exited.
    const cpu = new Map<number, number>();
    const sample = (): void => {
      if (!child.pid) return;
      const node = rssBytes(child.pid);
      const kids = descendantsRss(child.pid);
      peak.node = Math.max(peak.node, node);
      peak.children = Math.max(peak.children, kids);
      peak.total = Math.max(peak.total, node + kids);
      for (const pid of [child.pid, ...descendants(child.pid)]) {
        const s = ownCpuSeconds(pid);
        if (s > 0) cpu.set(pid, s);
      }
    };
    const sampler = setInterval(sample, 25);
    child.once('exit', (code) => {
      clearInterval(sampler);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) {
        reject(new Error(`mailferry run exited ${code}: ${stderr.slice(-600)}`));
        return;
      }
      const report = JSON.parse(stdout) as { mailboxes: Array<{ itemsSynced: number; bytesSynced: number }> };
      resolvePromise({
        seconds,
        phases: parseTimings(stderr),
        peakNodeMB: peak.node / MB,
        peakChildrenMB: peak.children / MB,
        peakTotalMB: peak.total / MB,
        cpuNodeS: cpu.get(child.pid ?? -1) ?? NaN,
        cpuChildrenS: [...cpu].reduce((n, [pid, s]) => (pid === child.pid ? n : n + s), 0),
        copied: report.mailboxes.reduce((n, m) => n + m.itemsSynced, 0),
        bytes: report.mailboxes.reduce((n, m) => n + m.bytesSynced, 0),
      });
    });
  });
}
