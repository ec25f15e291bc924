import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startHost, type Host } from '../local/host';
import { services } from '../shared/app/services';
import { batchInstanceId, ORCHESTRATIONS, STOP_EVENT } from '../shared/workflow/names';
import type * as BenchApp from './orchestration-app';

/**
 * `npm run bench -- orchestration [sizes] [window] [capSeconds]`: first runs (provisioning, status
 * report, copy) of batches whose mailbox work is a no-op, through the REAL migrateBatch /
 * provisionMailbox / migrateMailbox orchestrators on the embedded runtime, with history and state
 * in Azurite (the batch and its mailbox rows seeded through the real repositories). Prints
 * mailboxes/s per size (default 2,000 and 50,000) with the load average and the other processes'
 * CPU beside it. A run longer than the cap (default 180 s) is stopped there (the stop event, as an
 * administrator would) and its rate is what it did in that time: mailboxes = (provisioned + copied)/2.
 * Targets: >= 300 mailboxes/s at 2,000 on a 2-core machine; the rate at the largest size at least
 * 0.8x the rate at the smallest.
 */
const TARGET_RATE = 300;
const TARGET_RATIO = 0.8;
const DRAIN_MS = 5 * 60_000;

export async function run(args: string[]): Promise<void> {
  const sizes = (args[0] ?? '2000,50000').split(',').map(Number);
  const window = Number(args[1] ?? 20);
  const capMs = Number(args[2] ?? 180) * 1000;
  const host = await startHost({
    appRoot: path.resolve(__dirname, '..', '..'),
    appModule: path.join(__dirname, 'orchestration-app'),
    port: 0,
    settings: { MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-bench-')) },
  });
  const rates: number[] = [];
  try {
    for (const size of sizes) rates.push(await runOne(host, size, window, capMs));
  } finally {
    await host.stop();
  }
  const [first, last] = [rates[0] ?? 0, rates[rates.length - 1] ?? 0];
  console.log(
    `  at ${sizes[0]}: ${first.toFixed(0)}/s (target >= ${TARGET_RATE}) ${first >= TARGET_RATE ? 'MET' : 'NOT MET'}`,
  );
  if (rates.length > 1) {
    const ratio = last / first;
    console.log(
      `  at ${sizes[sizes.length - 1]}: ${last.toFixed(0)}/s = ${ratio.toFixed(2)}x (target >= ${TARGET_RATIO}x) ${ratio >= TARGET_RATIO ? 'MET' : 'NOT MET'}`,
    );
  }
}

async function runOne(host: Host, size: number, window: number, capMs: number): Promise<number> {
  const svc = services();
  const seeded = Date.now();
  const batch = await svc.state.batches.create({
    name: `bench-${size}-${Date.now()}`,
    sourceEndpoint: 'source',
    target: 'target',
    options: { maxConcurrentMigrations: window },
  });
  await svc.state.mailboxes.addMany(
    batch.id,
    Array.from({ length: size }, (_, i) => ({ email: `user${i}@example.com`, status: 'Queued' as const })),
  );
  await svc.state.batches.transition(batch.id, 'Starting');
  const seedSeconds = (Date.now() - seeded) / 1000;

  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 500);
  const load = loadavg()[0] ?? 0;
  const cpuBefore = cpuByProcess();
  const cpuSelf = process.cpuUsage();
  const azuriteBefore = childrenCpuSeconds();
  // Loaded by the host (it registers the app's functions); read here only after the host started it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { progress } = require('./orchestration-app') as typeof BenchApp;
  progress.provisioned = progress.copied = 0;
  const started = Date.now();
  try {
    const id = await host.engine.startNew(
      ORCHESTRATIONS.migrateBatch,
      { batchId: batch.id, mode: 'initial' },
      batchInstanceId(batch.id),
    );
    let finished = true;
    await host.engine.waitForCompletion(id, capMs).catch(() => (finished = false));
    const seconds = (Date.now() - started) / 1000;
    const done = finished ? size : (progress.provisioned + progress.copied) / 2;
    const rate = done / seconds;
    const self = process.cpuUsage(cpuSelf);
    const azurite = childrenCpuSeconds() - azuriteBefore;
    const cpuAfter = cpuByProcess();
    const hostSeconds = (self.user + self.system) / 1e6;
    console.log(
      `orchestration: ${size} mailboxes (provision + status report + copy), window ${window}: ` +
        (finished
          ? `done in ${seconds.toFixed(1)} s`
          : `cut at ${seconds.toFixed(0)} s with ${progress.provisioned} provisioned and ${progress.copied} copied`) +
        ` = ${rate.toFixed(0)} mailboxes/s`,
    );
    console.log(
      `  load average ${load.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end (2 cores, shared); ` +
        `this process ${hostSeconds.toFixed(0)} cpu-s, Azurite ${azurite.toFixed(0)} cpu-s ` +
        `(${((1000 * (hostSeconds + azurite)) / done).toFixed(1)} cpu-ms per mailbox, whatever the load); seeding took ${seedSeconds.toFixed(1)} s; ` +
        `peak RSS ${(peakRss / 1048576).toFixed(0)} MB (host; Azurite apart)`,
    );
    console.log(
      `  CPU of other processes meanwhile (Azurite is one of the node ones): ${busiest(cpuBefore, cpuAfter)}`,
    );
    if (!finished) {
      // As the stop action does: the batch moves to Stopping, then the orchestration hears of it.
      await svc.state.batches.applyAction(batch.id, 'stop');
      await host.engine.raiseEvent(id, STOP_EVENT, { at: new Date().toISOString() });
      await host.engine
        .waitForCompletion(id, DRAIN_MS)
        .catch(() => console.log('  (still draining; moving on)'));
    }
    return rate;
  } finally {
    clearInterval(sampler);
  }
}

/** CPU seconds used so far by this process's children (Azurite). */
function childrenCpuSeconds(): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        if (Number(fields[1]) === process.pid) ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    return 0;
  }
  return ticks / 100;
}

/** CPU ticks per process name (other than this one), to tell what else used the machine during a run. */
function cpuByProcess(): Map<string, number> {
  const byName = new Map<string, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return byName;
  }
  for (const pid of pids) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
      byName.set(name, (byName.get(name) ?? 0) + ticks);
    } catch {
      // The process ended while we looked.
    }
  }
  return byName;
}

/** The five processes that used most CPU between two snapshots, in CPU seconds. */
function busiest(before: Map<string, number>, after: Map<string, number>): string {
  return (
    [...after.entries()]
      .map(([name, ticks]) => [name, (ticks - (before.get(name) ?? 0)) / 100] as const)
      .filter(([, s]) => s > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, s]) => `${name} ${s.toFixed(1)} cpu-s`)
      .join(', ') || 'nothing measurable'
  );
}
