/**
 * `npm run bench -- imap [--messages 10000] [--mailboxes 20] [--per-mailbox 2000] [--concurrency 4] [--rounds 3]`
 *
 * Copies generated mail between two local Dovecots through the engine and prints:
 * one mailbox (default 10,000 messages) MB/s and messages/s; a batch (20 × 2,000) MB/s and
 * messages/s; the incremental pass over the unchanged single mailbox (target < 0.3 s); peak RSS
 * (target ≤ 256 MB); and, when `mbsync` (isync) is installed, the same single-mailbox copy with it
 * and our throughput ratio (target ≥ 1.0×); and the single mailbox into an Exchange-Online-like
 * Dovecot (XOAUTH2, no MULTIAPPEND) beside the full-capability figure.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { startAzurite } from '../local/azurite';
import { syncMailbox, type MailContext } from '../shared/mail';
import { startDovecot, type RunningDovecot } from '../testing/mail/dovecot';
import { exchangeLikeCopy, exchangeLikeLine } from './imap-exo';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const MB = 1024 * 1024;
const fmt = (n: number, d = 1): string => n.toFixed(d);

export async function run(args: string[]): Promise<void> {
  const single = arg(args, 'messages', 10000);
  const mailboxes = arg(args, 'mailboxes', 20);
  const perMailbox = arg(args, 'per-mailbox', 2000);
  const concurrency = arg(args, 'concurrency', 4);
  const rounds = arg(args, 'rounds', 3);

  // Both tools write to the same servers; without fsync the figures measure the tools, not this
  // shared machine's disk (with fsync every APPEND waits 5–40 ms for it, for mbsync as for us).
  const extra = ['mail_fsync = never'];
  const [src, dst, azurite] = await Promise.all([
    startDovecot({ maxUserIpConnections: 200, extraConfig: extra }),
    startDovecot({ maxUserIpConnections: 200, extraConfig: extra }),
    startAzurite(),
  ]);
  try {
    const users = ['big', ...Array.from({ length: mailboxes }, (_, i) => `user${i}`)];
    const extraUsers = Array.from({ length: rounds }, (_, r) => [`big${r}`, `mbsync${r}`]).flat();
    for (const u of [...users, ...extraUsers]) {
      src.addUser(`${u}@bench.test`, 'pw');
      dst.addUser(`${u}@bench.test`, 'pw');
    }
    const seed0 = Date.now();
    // Seeding runs in child processes, so the memory it churns through is not counted as the engine's.
    const seed = (user: string, count: number, corpusSeed: number, connections: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const to = { host: src.host, port: src.port, user, password: 'pw' };
        const code = `const c = require(${JSON.stringify(require.resolve('../testing/mail/corpus'))});
c.seedMailbox(${JSON.stringify(to)}, c.benchCorpus(${count}, ${corpusSeed}), ${connections}).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });`;
        const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.once('exit', (rc) => (rc === 0 ? resolve() : reject(new Error(`seeding ${user} failed`))));
      });
    const seedLimit = pLimit(2);
    await Promise.all([
      seedLimit(() => seed('big@bench.test', single, 1, 4)),
      ...users.slice(1).map((u, i) => seedLimit(() => seed(`${u}@bench.test`, perMailbox, i + 2, 2))),
    ]);
    console.log(
      `seeded ${single} + ${mailboxes} × ${perMailbox} messages in ${fmt((Date.now() - seed0) / 1000)} s`,
    );

    const ctx = (user: string, targetUser = user): MailContext => {
      const endpoint = (d: RunningDovecot) => ({
        host: d.host,
        port: d.port,
        security: 'none' as const,
        admin: { user: d.admin.user, loginFormat: '{user}*{admin}' },
      });
      return {
        mailboxKey: `bench:${targetUser}`,
        source: { endpoint: endpoint(src), login: { email: user, password: src.admin.password } },
        target: { endpoint: endpoint(dst), login: { email: targetUser, password: dst.admin.password } },
        storage: { connectionString: azurite.connectionString },
      };
    };
    const mbsync = spawnSync('mbsync', ['--version']).status === 0;
    const dir = mkdtempSync(join(tmpdir(), 'mailferry-mbsync-'));
    const runMbsync = (round: number): number => {
      const conf = join(dir, `mbsyncrc${round}`);
      const store = (name: string, d: RunningDovecot, user: string) =>
        [
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
      writeFileSync(
        conf,
        [
          store('src', src, 'big@bench.test'),
          store('dst', dst, `mbsync${round}@bench.test`),
          'Channel copy',
          'Far :src-store:',
          'Near :dst-store:',
          'Patterns *',
          'Create Near',
          'Sync Pull',
          `SyncState ${dir}/r${round}-`,
          '',
        ].join('\n'),
      );
      const t0 = Date.now();
      execFileSync('mbsync', ['-c', conf, '-q', 'copy'], { stdio: 'ignore' });
      return (Date.now() - t0) / 1000;
    };

    // Peak RSS while the engine runs (the seeding above is not the engine's).
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);

    // One mailbox, `rounds` times, alternating with mbsync (this machine is shared: best and median
    // of interleaved rounds say more than one run).
    const ours: number[] = [];
    const theirs: number[] = [];
    let oneBytes = 0;
    let oneCopied = 0;
    for (let r = 0; r < rounds; r++) {
      const t0 = Date.now();
      const one = await syncMailbox(ctx('big@bench.test', `big${r}@bench.test`));
      ours.push((Date.now() - t0) / 1000);
      oneBytes = one.bytes;
      oneCopied = one.copied;
      if (mbsync) theirs.push(runMbsync(r));
    }
    const best = (xs: number[]): number => Math.min(...xs);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const mbps = (sec: number): number => oneBytes / MB / sec;
    console.log(
      `[peak RSS so far ${fmt(peak / MB, 0)} MB] single mailbox: ${oneCopied} messages, ${fmt(oneBytes / MB)} MiB; best ${fmt(best(ours), 2)} s = ${fmt(mbps(best(ours)))} MB/s, ${fmt(oneCopied / best(ours), 0)} messages/s; median ${fmt(median(ours), 2)} s (rounds: ${ours.map((x) => fmt(x, 2)).join(', ')})`,
    );

    // The same mailbox into an Exchange-Online-like server (no MULTIAPPEND), beside the figure above.
    const exoRun = await exchangeLikeCopy(src, 'big@bench.test', azurite.connectionString, extra);
    console.log(exchangeLikeLine(exoRun, { seconds: best(ours) }));

    // Incremental over the unchanged mailbox.
    const inc: number[] = [];
    let visited = 0;
    for (let r = 0; r < 3; r++) {
      const t0 = Date.now();
      const again = await syncMailbox(ctx('big@bench.test', 'big0@bench.test'));
      inc.push((Date.now() - t0) / 1000);
      visited += again.foldersVisited + again.copied;
    }
    console.log(
      `incremental, unchanged ${single}-message mailbox: best ${fmt(best(inc), 3)} s, median ${fmt(median(inc), 3)} s (${visited} folders visited or messages copied) [target < 0.3 s]`,
    );

    // The batch.
    let t = Date.now();
    const limit = pLimit(concurrency);
    const results = await Promise.all(
      users.slice(1).map((u) => limit(() => syncMailbox(ctx(`${u}@bench.test`)))),
    );
    let s = (Date.now() - t) / 1000;
    const bytes = results.reduce((n, r) => n + r.bytes, 0);
    const copied = results.reduce((n, r) => n + r.copied, 0);
    console.log(
      `[peak RSS so far ${fmt(peak / MB, 0)} MB] batch of ${mailboxes} × ${perMailbox} (${concurrency} at once): ${copied} messages, ${fmt(bytes / MB)} MiB in ${fmt(s, 2)} s = ${fmt(bytes / MB / s)} MB/s, ${fmt(copied / s, 0)} messages/s`,
    );
    t = Date.now();
    await Promise.all(users.slice(1).map((u) => limit(() => syncMailbox(ctx(`${u}@bench.test`)))));
    s = (Date.now() - t) / 1000;
    console.log(`incremental, unchanged batch: ${fmt(s, 3)} s`);

    clearInterval(sampler);
    console.log(
      `peak RSS while copying: ${fmt(peak / MB, 0)} MB (process lifetime incl. seeding ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MB) [target ≤ 256 MB]`,
    );

    if (!mbsync) {
      console.log('mbsync not installed: no comparison');
    } else {
      const cfg = join(dir, 'mbsyncrc0');
      const t0 = Date.now();
      execFileSync('mbsync', ['-c', cfg, '-q', 'copy'], { stdio: 'ignore' });
      const rerun = (Date.now() - t0) / 1000;
      console.log(
        `mbsync single mailbox: best ${fmt(best(theirs), 2)} s = ${fmt(mbps(best(theirs)))} MB/s; median ${fmt(median(theirs), 2)} s (rounds: ${theirs.map((x) => fmt(x, 2)).join(', ')}); unchanged rerun ${fmt(rerun, 3)} s`,
      );
      console.log(
        `ratio mailferry / mbsync throughput: best ${fmt(best(theirs) / best(ours), 2)}×, median ${fmt(median(theirs) / median(ours), 2)}× [target ≥ 1.0×]`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await Promise.all([src.stop(), dst.stop(), azurite.stop()]);
  }
}
