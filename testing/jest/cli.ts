import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../net';

/**
 * Runs the built CLI (`node dist/cli/main.js`, built by `pretest`) as a user would, with an
 * environment free of the mailferry variables the in-process test host sets, and returns its exit
 * code and output.
 */
export const root = path.resolve(__dirname, '..', '..');
const MAIN = path.join(root, 'dist', 'cli', 'main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (k.startsWith('MAILFERRY_') || k === 'AzureWebJobsStorage') delete env[k];
  return { ...env, ...extra };
}

export function mailferry(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [MAIN, ...args],
      { env: cleanEnv(options.env), cwd: options.cwd ?? root, timeout: options.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export const deadPort = freePort;

/** Runs the CLI and samples its peak resident memory (kB) until it exits. */
export function runMeasured(args: string[]): Promise<{ code: number; stderr: string; peakKb: number }> {
  return new Promise((resolve) => {
    let peakKb = 0;
    const child = execFile(
      process.execPath,
      [path.join(root, 'dist', 'cli', 'main.js'), ...args],
      { env: cleanEnv(), cwd: root, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        clearInterval(sampler);
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stderr, peakKb });
      },
    );
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // exited between two samples
      }
    }, 50);
  });
}
