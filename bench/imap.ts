/**
 * `npm run bench -- imap [--messages 10000] [--mailboxes 20] [--per-mailbox 2000] [--concurrency 4]`
 *
 * Copies generated mail between two local Dovecots through the engine and prints:
 * one mailbox (default 10,000 messages) MB/s and messages/s; a batch (20 × 2,000) MB/s and
 * messages/s; the incremental pass over the unchanged single mailbox (target < 0.3 s); peak RSS
 * (target ≤ 256 MB); and, when `mbsync` (isync) is installed, the same single-mailbox copy with it
 * and our throughput ratio (target ≥ 1.0×).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { startAzurite } from '../local/azurite';
import { syncMailbox, type MailContext } from '../shared/mail';
import { startDovecot, type RunningDovecot } from '../shared/mail/testing/dovecot';
import { benchCorpus, seedMailbox } from '../shared/mail/testing/corpus';

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
    for (const u of [...users, 'mbsync']) {
      src.addUser(`${u}@bench.test`, 'pw');
      dst.addUser(`${u}@bench.test`, 'pw');
    }
    const seed0 = Date.now();
    await seedMailbox(
      { host: src.host, port: src.port, user: 'big@bench.test', password: 'pw' },
      benchCorpus(single, 1),
      4,
    );
    const seedLimit = pLimit(2);
    await Promise.all(
      users
        .slice(1)
        .map((u, i) =>
          seedLimit(() =>
            seedMailbox(
              { host: src.host, port: src.port, user: `${u}@bench.test`, password: 'pw' },
              benchCorpus(perMailbox, i + 2),
              2,
            ),
          ),
        ),
    );
    console.log(
      `seeded ${single} + ${mailboxes} × ${perMailbox} messages in ${fmt((Date.now() - seed0) / 1000)} s`,
    );

    const ctx = (user: string): MailContext => {
      const endpoint = (d: RunningDovecot) => ({
        host: d.host,
        port: d.port,
        security: 'none' as const,
        admin: { user: d.admin.user, loginFormat: '{user}*{admin}' },
      });
      return {
        mailboxKey: `bench:${user}`,
        source: { endpoint: endpoint(src), login: { email: user, password: src.admin.password } },
        target: { endpoint: endpoint(dst), login: { email: user, password: dst.admin.password } },
        storage: { connectionString: azurite.connectionString },
      };
    };

    // One mailbox.
    let t = Date.now();
    const one = await syncMailbox(ctx('big@bench.test'));
    let s = (Date.now() - t) / 1000;
    const oneMBs = one.bytes / MB / s;
    console.log(
      `single mailbox: ${one.copied} messages, ${fmt(one.bytes / MB)} MiB in ${fmt(s, 2)} s = ${fmt(oneMBs)} MB/s, ${fmt(one.copied / s, 0)} messages/s`,
    );

    // Incremental over the unchanged mailbox.
    t = Date.now();
    const inc = await syncMailbox(ctx('big@bench.test'));
    s = (Date.now() - t) / 1000;
    console.log(
      `incremental, unchanged ${single}-message mailbox: ${fmt(s, 3)} s (${inc.copied} copied, ${inc.foldersVisited} folders visited) [target < 0.3 s]`,
    );

    // The batch.
    t = Date.now();
    const limit = pLimit(concurrency);
    const results = await Promise.all(
      users.slice(1).map((u) => limit(() => syncMailbox(ctx(`${u}@bench.test`)))),
    );
    s = (Date.now() - t) / 1000;
    const bytes = results.reduce((n, r) => n + r.bytes, 0);
    const copied = results.reduce((n, r) => n + r.copied, 0);
    console.log(
      `batch of ${mailboxes} × ${perMailbox} (${concurrency} at once): ${copied} messages, ${fmt(bytes / MB)} MiB in ${fmt(s, 2)} s = ${fmt(bytes / MB / s)} MB/s, ${fmt(copied / s, 0)} messages/s`,
    );
    t = Date.now();
    await Promise.all(users.slice(1).map((u) => limit(() => syncMailbox(ctx(`${u}@bench.test`)))));
    console.log(`incremental, unchanged batch: ${fmt((Date.now() - t) / 1000, 3)} s`);

    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(`peak RSS: ${fmt(rss, 0)} MB [target ≤ 256 MB]`);

    // mbsync, same single-mailbox copy.
    const mbsync = spawnSync('mbsync', ['--version']).status === 0;
    if (!mbsync) {
      console.log('mbsync not installed: no comparison');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'mailferry-mbsync-'));
    try {
      const conf = join(dir, 'mbsyncrc');
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
          store('dst', dst, 'mbsync@bench.test'),
          'Channel copy',
          'Far :src-store:',
          'Near :dst-store:',
          'Patterns *',
          'Create Near',
          'Sync Pull',
          `SyncState ${dir}/`,
          '',
        ].join('\n'),
      );
      t = Date.now();
      execFileSync('mbsync', ['-c', conf, '-q', 'copy'], { stdio: 'inherit' });
      const ms = (Date.now() - t) / 1000;
      const mbMBs = one.bytes / MB / ms;
      t = Date.now();
      execFileSync('mbsync', ['-c', conf, '-q', 'copy'], { stdio: 'inherit' });
      const mre = (Date.now() - t) / 1000;
      console.log(
        `mbsync single mailbox: ${fmt(ms, 2)} s = ${fmt(mbMBs)} MB/s; unchanged rerun ${fmt(mre, 3)} s`,
      );
      console.log(`ratio mailferry / mbsync throughput: ${fmt(oneMBs / mbMBs, 2)}× [target ≥ 1.0×]`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await Promise.all([src.stop(), dst.stop(), azurite.stop()]);
  }
}
