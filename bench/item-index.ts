/**
 * `npm run bench -- item-index [--messages 10000]`
 *
 * What the item index costs the chunk-per-call path (the app's): a judy-sized mailbox (default
 * 10,000 generated messages) copied between two local Dovecots one copyChunk call at a time, state
 * in Azurite, twice on fresh mailboxes: with the index keyed as before (one partition per folder
 * generation) and with UID buckets. Prints, per folder, each chunk's wait for its index writes
 * after its last APPEND, and the totals. With one partition per folder the wait grows with every
 * chunk (the store looks each upserted row up in its partition); with buckets it stays flat.
 */
import { spawn } from 'node:child_process';
import { startAzurite } from '../local/azurite';
import { copyChunk, MailState, planMailbox, type MailContext } from '../shared/mail';
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

interface Layout {
  name: string;
  indexLayout: number;
}

async function copyAll(ctx: MailContext, layout: Layout): Promise<void> {
  const session = await openSession(ctx);
  const t0 = Date.now();
  let total = 0;
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
      total += waits.reduce((a, b) => a + b, 0);
      chunks += waits.length;
      console.log(
        `  ${layout.name}  ${folder.source.padEnd(16)} ${String(copied).padStart(5)} msgs  index wait per chunk (ms): ${waits.join(' ')}`,
      );
    }
  } finally {
    await session.close();
  }
  console.log(
    `  ${layout.name}  total index wait ${total} ms over ${chunks} chunks; copy ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

export async function run(args: string[]): Promise<void> {
  const messages = arg(args, 'messages', 10000);
  const extra = ['mail_fsync = never'];
  const [src, dst, azurite] = await Promise.all([
    startDovecot({ extraConfig: extra }),
    startDovecot({ extraConfig: extra }),
    startAzurite(),
  ]);
  try {
    const layouts: Layout[] = [
      { name: 'one partition per folder', indexLayout: 0 },
      { name: 'UID buckets             ', indexLayout: 1 },
    ];
    for (const [i] of layouts.entries()) {
      src.addUser(`judy${i}@bench.test`, 'pw');
      dst.addUser(`judy${i}@bench.test`, 'pw');
      await seed(src, `judy${i}@bench.test`, messages);
    }
    console.log(`item index: ${messages} messages, one copyChunk call at a time`);
    for (const [i, layout] of layouts.entries()) {
      const user = `judy${i}@bench.test`;
      const endpoint = (d: RunningDovecot) => ({
        host: d.host,
        port: d.port,
        security: 'none' as const,
        admin: { user: 'admin', loginFormat: '{user}*{admin}' },
      });
      await copyAll(
        {
          mailboxKey: `bench-index:${user}`,
          source: { endpoint: endpoint(src), login: { email: user, password: 'adminpw' } },
          target: { endpoint: endpoint(dst), login: { email: user, password: 'adminpw' } },
          storage: { connectionString: azurite.connectionString },
        },
        layout,
      );
    }
  } finally {
    await Promise.all([src.stop(), dst.stop(), azurite.stop()]);
  }
}
