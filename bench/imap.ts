/**
 * `npm run bench -- imap [--rounds 2] [--scale 1] [--only judy,exo,batch]`
 *
 * Times the product as users run it: the whole command `node dist/cli/main.js run --config F
 * --csv F --data D` against isync's mbsync, the anchor, on the same pair of Dovecots, in
 * alternating rounds (mailferry, mbsync, mailferry, ...), each round into fresh target mailboxes:
 * - judy (10,000 messages) into a Dovecot with every capability;
 * - judy into a Dovecot advertising only Exchange Online's capabilities (no MULTIAPPEND/CONDSTORE);
 * - the ten-mailbox batch (15,048 messages) against ten mbsync processes at once;
 * - the unchanged rerun of judy and of the batch (same --data; mbsync with its state);
 * - peak RSS of the node process and of Azurite (its child);
 * - CPU seconds of each tool's run (mailferry with Azurite; mbsync) and of both Dovecots for it.
 * Each line prints the whole command and the engine part (the run's `copy` phase) apart, the
 * other phases of the run, and the target beside the figure. `--scale 0.1` is a quick check.
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDovecot, type RunningDovecot } from '../testing/mail/dovecot';
import { exchangeLikeConfig } from './imap-exo';
import { runFiles, runMailferry, type CliRun } from './run-path-cli';
import { JUDY, benchMailboxes, seedMailboxes, type BenchMailbox } from './run-path-corpus';
import { mbsyncConfig, mbsyncInstalled, runMbsync } from './run-path-mbsync';
import { reapedChildrenCpuSeconds, treeCpuSeconds } from './cpu-time';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const MB = 1024 * 1024;
const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
const best = (xs: number[]): number => (xs.length ? Math.min(...xs) : NaN);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const phases = (r: CliRun): string =>
  Object.entries(r.phases)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

/**
 * Where the servers' mail and the runs' data live: a memory-backed folder (/dev/shm) when the
 * machine has one with room, else the temp folder. Both tools write the same ~1 GB per round;
 * on this shared machine's disk the kernel's writeback then stalls whichever tool writes when it
 * flushes (mbsync's judy: 2.7 s on tmpfs, 5.1–8.5 s in four runs on disk), which measures the
 * disk, not the tools.
 */
function scratchParent(): string {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize > 4 * 1024 * MB) return '/dev/shm';
  } catch {
    // No /dev/shm here.
  }
  return tmpdir();
}

/**
 * CPU seconds both Dovecots spent on what `run` did: their imap processes are reaped by the master
 * once the tool's sessions close, a moment after the tool exits.
 */
async function withCpu<T>(
  servers: RunningDovecot[],
  run: () => Promise<T>,
): Promise<[T, { tool: number; servers: number }]> {
  const before = servers.map((d) => treeCpuSeconds(d.pid));
  const tool = reapedChildrenCpuSeconds();
  const out = await run();
  const toolCpu = reapedChildrenCpuSeconds() - tool;
  await new Promise((r) => setTimeout(r, 500));
  const after = servers.map((d) => treeCpuSeconds(d.pid));
  return [out, { tool: toolCpu, servers: after.reduce((n, a, i) => n + a - (before[i] ?? 0), 0) }];
}

/** Empties a mailbox on a Dovecot that is not serving it (its home holds mail and indexes). */
function reset(d: RunningDovecot, user: string): void {
  rmSync(join(d.root, 'home', user), { recursive: true, force: true });
}

interface Scenario {
  label: string;
  dst: RunningDovecot;
  mailboxes: BenchMailbox[];
  /** Whole-command ratio target vs mbsync (mbsync time / ours). */
  ratioTarget: number;
  /** Unchanged rerun target, seconds. */
  rerunTarget: number;
}

export async function run(args: string[]): Promise<void> {
  const rounds = arg(args, 'rounds', 2);
  const scale = arg(args, 'scale', 1);
  const onlyArg = args.indexOf('--only');
  const only = new Set((onlyArg >= 0 ? (args[onlyArg + 1] ?? '') : 'judy,exo,batch').split(','));
  const anchor = mbsyncInstalled();
  if (!anchor)
    console.log('mbsync (isync) is not installed: figures without the anchor (.ci/run installs it)');

  // Without fsync the figures measure the tools, not this shared machine's disk (with it every
  // APPEND waits 5–40 ms, for mbsync as for us).
  const extra = ['mail_fsync = never'];
  const scratch = scratchParent();
  const opts = { maxUserIpConnections: 200, extraConfig: extra, parentDir: scratch };
  const [src, dst, exo] = await Promise.all([
    startDovecot(opts),
    startDovecot(opts),
    startDovecot({ ...opts, extraConfig: [...extra, ...exchangeLikeConfig()] }),
  ]);
  const work = mkdtempSync(join(scratch, 'mailferry-bench-'));
  console.log(`servers' mail and run data in ${scratch}`);
  try {
    const all = benchMailboxes(scale);
    for (const m of all) {
      src.addUser(m.email, 'pw');
      for (const d of [dst, exo]) {
        d.addUser(m.email, 'pw');
        d.addUser(`mbsync-${m.email}`, 'pw');
      }
    }
    const t0 = Date.now();
    await seedMailboxes(src, only.has('batch') ? all : all.slice(0, 1));
    const total = all.reduce((n, m) => n + m.messages, 0);
    console.log(
      `seeded judy (${all[0]?.messages} messages)${only.has('batch') ? ` and the batch (${all.length} mailboxes, ${total} messages)` : ''} in ${f((Date.now() - t0) / 1000, 1)} s; load ${load()}`,
    );

    const judy = all.filter((m) => m.email === JUDY);
    const scenarios: Scenario[] = [];
    if (only.has('judy'))
      scenarios.push({
        label: 'judy, full capabilities',
        dst,
        mailboxes: judy,
        ratioTarget: 2.0,
        rerunTarget: 1.5,
      });
    if (only.has('exo'))
      scenarios.push({
        label: "judy, Exchange Online's capabilities",
        dst: exo,
        mailboxes: judy,
        ratioTarget: 1.5,
        rerunTarget: 1.5,
      });
    if (only.has('batch'))
      scenarios.push({ label: 'ten-mailbox batch', dst, mailboxes: all, ratioTarget: 2.0, rerunTarget: 2.5 });

    for (const s of scenarios) await scenario(s, src, work, rounds, anchor);
  } finally {
    await Promise.all([src.stop(), dst.stop(), exo.stop()]);
    rmSync(work, { recursive: true, force: true });
  }
}

async function scenario(
  s: Scenario,
  src: RunningDovecot,
  work: string,
  rounds: number,
  anchor: boolean,
): Promise<void> {
  const emails = s.mailboxes.map((m) => m.email);
  const name = s.label.replace(/\W+/g, '-');
  const files = runFiles(work, name, src, s.dst, emails);
  const ours: CliRun[] = [];
  const theirs: number[] = [];
  let data = '';
  let configs: string[] = [];
  const loads: string[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const e of emails) reset(s.dst, e);
    data = join(work, `${name}-data-${r}`);
    const [ran, cpu] = await withCpu([src, s.dst], () => runMailferry(files, data));
    ours.push(ran);
    loads.push(load());
    console.log(
      `  ${s.label} round ${r + 1} mailferry: ${f(ran.seconds)} s whole command (engine ${f((ran.phases.copy ?? NaN) / 1000)} s; ${phases(ran)} ms); ${ran.copied} items, ${f(ran.bytes / MB, 1)} MiB; peak RSS node ${f(ran.peakNodeMB, 0)} MB, Azurite ${f(ran.peakChildrenMB, 0)} MB, together ${f(ran.peakTotalMB, 0)} MB; CPU s ${f(cpu.tool)} (node ${f(ran.cpuNodeS)}, Azurite ${f(ran.cpuChildrenS)} as last sampled), Dovecots ${f(cpu.servers)}`,
    );
    if (anchor) {
      const dir = mkdtempSync(join(work, 'mbsync-'));
      for (const e of emails) reset(s.dst, `mbsync-${e}`);
      configs = emails.map((e, i) =>
        mbsyncConfig(src, s.dst, { from: e, to: `mbsync-${e}`, dir, name: `m${i}` }),
      );
      const [sec, cpu] = await withCpu([src, s.dst], () => runMbsync(configs));
      theirs.push(sec);
      console.log(
        `  ${s.label} round ${r + 1} mbsync: ${f(sec)} s (${emails.length} process(es) at once); CPU s ${f(cpu.tool)}, Dovecots ${f(cpu.servers)}`,
      );
    }
  }
  const whole = ours.map((r) => r.seconds);
  const engine = ours.map((r) => (r.phases.copy ?? NaN) / 1000);
  console.log(
    `${s.label}: mailferry best ${f(best(whole))} s / median ${f(median(whole))} s whole command, engine best ${f(best(engine))} s; ` +
      (anchor
        ? `mbsync best ${f(best(theirs))} s / median ${f(median(theirs))} s; speed vs mbsync best ${f(best(theirs) / best(whole))}×, median ${f(median(theirs) / median(whole))}× [target ≥ ${f(s.ratioTarget, 1)}×]`
        : 'no anchor') +
      `; load during rounds ${loads.join(' | ')}`,
  );
  const peak = (k: 'peakNodeMB' | 'peakTotalMB'): number => Math.max(...ours.map((r) => r[k]));
  console.log(
    `${s.label}: peak RSS node ${f(peak('peakNodeMB'), 0)} MB [target ≤ 256 MB], node + Azurite ${f(peak('peakTotalMB'), 0)} MB [target ≤ 320 MB]`,
  );

  // Unchanged rerun: the last round's --data again (an incremental sync with nothing new), and
  // mbsync with its last round's state.
  const again: CliRun[] = [];
  for (let r = 0; r < Math.max(2, rounds); r++) again.push(await runMailferry(files, data));
  const reran = again.map((r) => r.seconds);
  const last = again[again.length - 1];
  const mb = anchor ? await runMbsync(configs) : NaN;
  console.log(
    `${s.label}, unchanged rerun: mailferry best ${f(best(reran))} s whole command (${last ? phases(last) : ''} ms) [target ≤ ${f(s.rerunTarget, 1)} s]; mbsync ${f(mb, 3)} s; load ${load()}`,
  );
}
