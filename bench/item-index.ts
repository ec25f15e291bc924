/**
 * `npm run bench -- item-index [--messages 10000] [--rounds 1] [--alone]`
 *
 * What the item index costs the chunk-per-call path (the app's): a judy-sized mailbox (default
 * 10,000 generated messages) copied between two local Dovecots one copyChunk call at a time, state
 * in a fresh Azurite per copy, into fresh target mailboxes, once per layout of the index and round
 * (layouts alternate within a round): one partition per folder generation (0), UID buckets (1),
 * packed pages of UIDs (2). Prints, per folder, each chunk's wait for its index writes after its
 * last APPEND, and per copy the totals, this process's CPU (the engine, the Table SDK), Azurite's
 * CPU and its peak RSS (read from /proc before it stops). With one partition per folder the wait
 * grows with every chunk (the store looks each upserted row up in its partition); with buckets it
 * stays flat; packed pages cost a property per message instead of an entity.
 * First, without mail servers ("index alone"): 10,000 rows written per layout as a copy writes them
 * (groups of 250 in the background, a range read per 2,000-UID chunk) and read back whole
 * (`--alone`: only this part).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startAzurite } from '../local/azurite';
import { createHash } from 'node:crypto';
import { copyChunk, MailState, planMailbox, type MailContext } from '../shared/mail';
import type { ItemRow } from '../shared/mail/state';
import { openSession } from '../shared/mail/session';
import { startDovecot, type RunningDovecot } from '../testing/mail/dovecot';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function seed(src: RunningDovecot, user: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const to = { host: src.host, port: src.port, user, password: 'pw' };
    const code = `const c = require(${JSON.stringify(require.resolve('../testing/mail/corpus'))});
c.seedMailbox(${JSON.stringify(to)}, c.benchCorpus(${count}, 7), 4).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (rc) => (rc === 0 ? resolve() : reject(new Error(`seeding ${user} failed`))));
  });
}

/** The Azurite child just started: this process's child whose command line names Azurite. */
function azuritePid(): number | undefined {
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const kids = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim();
    for (const pid of kids ? kids.split(/\s+/).map(Number) : []) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('azurite')) return pid;
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return undefined;
}

/** CPU seconds (user + system) and peak RSS (MB) of a process, from /proc. */
function usage(pid: number | undefined): { cpu: number; peakMb: number } {
  if (pid === undefined) return { cpu: NaN, peakMb: NaN };
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks.
  const cpu = (Number(fields[11]) + Number(fields[12])) / 100;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu, peakMb: hwm ? Number(hwm[1]) / 1024 : NaN };
}

interface Layout {
  name: string;
  indexLayout: number;
}

interface Totals {
  waitMs: number;
  chunks: number;
  copyS: number;
  nodeCpuS: number;
  azuriteCpuS: number;
  azuritePeakMb: number;
}

async function copyAll(ctx: MailContext, layout: Layout, azurite: number | undefined): Promise<Totals> {
  const session = await openSession(ctx);
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const az0 = usage(azurite).cpu;
  let waitMs = 0;
  let chunks = 0;
  try {
    const plan = await planMailbox(ctx, session);
    // The layout under test, set on the freshly planned folder rows before anything is copied.
    const store = new MailState(ctx.storage, ctx.mailboxKey);
    for (const st of (await store.listFolders()).values())
      await store.putFolder({ ...st, indexLayout: layout.indexLayout });
    for (const folder of plan.folders.filter((f) => !f.upToDate)) {
      const waits: number[] = [];
      let copied = 0;
      for (;;) {
        const r = await copyChunk(ctx, folder, undefined, session);
        waits.push(r.indexWaitMs);
        copied += r.copied;
        if (r.done) break;
      }
      waitMs += waits.reduce((a, b) => a + b, 0);
      chunks += waits.length;
      console.log(
        `  ${layout.name}  ${folder.source.padEnd(16)} ${String(copied).padStart(5)} msgs  index wait per chunk (ms): ${waits.join(' ')}`,
      );
    }
  } finally {
    await session.close();
  }
  const cpu = process.cpuUsage(cpu0);
  const az = usage(azurite);
  return {
    waitMs,
    chunks,
    copyS: (Date.now() - t0) / 1000,
    nodeCpuS: (cpu.user + cpu.system) / 1e6,
    azuriteCpuS: az.cpu - az0,
    azuritePeakMb: az.peakMb,
  };
}

/** The index alone: `messages` rows written and read as copyChunk calls do, into a fresh Azurite. */
async function indexAlone(layout: Layout, messages: number): Promise<void> {
  const azurite = await startAzurite();
  const pid = azuritePid();
  try {
    const store = new MailState(
      { connectionString: azurite.connectionString },
      `bench-alone:${layout.indexLayout}`,
    );
    await store.ready();
    const ix = { fid: 'alone', indexLayout: layout.indexLayout };
    const row = (uid: number): ItemRow => ({
      uid,
      s: 'd',
      t: String(uid),
      fp: createHash('sha256').update(String(uid)).digest('hex').slice(0, 24),
      fl: uid % 3 ? '\\Seen' : '',
      sz: 10_000 + uid,
    });
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const az0 = usage(pid).cpu;
    for (let base = 1; base <= messages; base += 2000) {
      const top = Math.min(messages, base + 1999);
      await store.itemsInRange(ix, '1', base, top);
      const writes: Array<Promise<void>> = [];
      for (let g = base; g <= top; g += 250)
        writes.push(
          store.putItems(
            ix,
            '1',
            Array.from({ length: Math.min(250, top - g + 1) }, (_, i) => row(g + i)),
          ),
        );
      await Promise.all(writes);
    }
    const read = (await store.itemsWhere(ix, '1', { s: 'd' })).size;
    const cpu = process.cpuUsage(cpu0);
    const az = usage(pid);
    console.log(
      `  index alone, ${layout.name}  ${read} rows in ${Date.now() - t0} ms; CPU: this process ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, Azurite ${(az.cpu - az0).toFixed(2)} s`,
    );
  } finally {
    await azurite.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const messages = arg(args, 'messages', 10000);
  const rounds = arg(args, 'rounds', 1);
  const extra = ['mail_fsync = never'];
  const [src, dst] = await Promise.all([
    startDovecot({ extraConfig: extra }),
    startDovecot({ extraConfig: extra }),
  ]);
  const layouts: Layout[] = [
    { name: 'one partition per folder', indexLayout: 0 },
    { name: 'UID buckets             ', indexLayout: 1 },
    { name: 'packed pages            ', indexLayout: 2 },
  ];
  const sourceUser = 'judy@bench.test';
  try {
    for (const layout of layouts) await indexAlone(layout, messages);
    if (args.includes('--alone')) return;
    src.addUser(sourceUser, 'pw');
    await seed(src, sourceUser, messages);
    console.log(`item index: ${messages} messages, one copyChunk call at a time, ${rounds} round(s)`);
    const endpoint = (d: RunningDovecot) => ({
      host: d.host,
      port: d.port,
      security: 'none' as const,
      admin: { user: 'admin', loginFormat: '{user}*{admin}' },
    });
    const results = new Map<string, Totals[]>();
    for (let round = 0; round < rounds; round++) {
      // Alternate the order from round to round, so no layout always runs on a warmer machine.
      const order = round % 2 ? [...layouts].reverse() : layouts;
      for (const layout of order) {
        const user = `judy-${layout.indexLayout}-${round}@bench.test`;
        dst.addUser(user, 'pw');
        const azurite = await startAzurite();
        try {
          const totals = await copyAll(
            {
              mailboxKey: `bench-index:${user}`,
              source: { endpoint: endpoint(src), login: { email: sourceUser, password: 'adminpw' } },
              target: { endpoint: endpoint(dst), login: { email: user, password: 'adminpw' } },
              storage: { connectionString: azurite.connectionString },
            },
            layout,
            azuritePid(),
          );
          results.set(layout.name, [...(results.get(layout.name) ?? []), totals]);
          console.log(
            `  ${layout.name}  total index wait ${totals.waitMs} ms over ${totals.chunks} chunks; copy ${totals.copyS.toFixed(1)} s; CPU: this process ${totals.nodeCpuS.toFixed(2)} s, Azurite ${totals.azuriteCpuS.toFixed(2)} s; Azurite peak RSS ${totals.azuritePeakMb.toFixed(0)} MB; load ${loadavg()[0]?.toFixed(2)}`,
          );
        } finally {
          await azurite.stop();
        }
      }
    }
    console.log('summary (best of rounds):');
    for (const layout of layouts) {
      const all = results.get(layout.name) ?? [];
      const best = (f: (t: Totals) => number): string => Math.min(...all.map(f)).toFixed(2);
      console.log(
        `  ${layout.name}  index wait ${best((t) => t.waitMs / 1000)} s, copy ${best((t) => t.copyS)} s, CPU this process ${best((t) => t.nodeCpuS)} s, Azurite ${best((t) => t.azuriteCpuS)} s, Azurite peak RSS ${best((t) => t.azuritePeakMb)} MB`,
      );
    }
  } finally {
    await Promise.all([src.stop(), dst.stop()]);
  }
}
