/**
 * `npm run bench -- append [--messages 10000] [--rounds 2]`
 *
 * The IMAP target's APPEND path alone, judy-sized by default (10,000 messages of the benchmark's
 * size mix, ~170 MB) into INBOX of a local Dovecot, timed with the append writer (LITERAL+
 * pipelining) and with imapflow's APPEND (one round trip per message over 4 KB), on a Dovecot with
 * its own capabilities (MULTIAPPEND) and one advertising Exchange Online's (single APPENDs).
 * Messages go in the engine's append calls (≤ 250 messages, ≤ 4 MB each). Rounds alternate the
 * two paths so a busy neighbour on this shared machine slows both alike.
 */
import { APPEND_BATCH_BYTES } from '../shared/mail/limits';
import { ImapTarget } from '../shared/mail/imap-target';
import type { TargetMessage } from '../shared/mail/target';
import { benchCorpus } from '../testing/mail/corpus';
import { EXCHANGE_ONLINE_CAPABILITIES } from '../testing/mail/dovecot-oauth';
import { startDovecot, type RunningDovecot } from '../testing/mail/dovecot';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const MB = 1024 * 1024;

export async function run(args: string[]): Promise<void> {
  const count = arg(args, 'messages', 10000);
  const rounds = arg(args, 'rounds', 2);
  const messages: TargetMessage[] = [...benchCorpus(count, 7)].map((m, i) => ({
    key: `k${i}`,
    size: m.content.length,
    internalDate: m.internalDate,
    content: m.content,
    flags: m.flags,
  }));
  const bytes = messages.reduce((n, m) => n + m.size, 0);
  console.log(`append: ${count} messages, ${(bytes / MB).toFixed(1)} MB, ${rounds} round(s) per path`);
  // Without fsync the figures measure the client path, not this shared machine's disk.
  const base = ['mail_fsync = never'];
  const servers: Array<[string, RunningDovecot]> = [
    ['Dovecot capabilities (MULTIAPPEND)', await startDovecot({ extraConfig: base })],
    [
      "Exchange Online's capabilities (no MULTIAPPEND)",
      await startDovecot({ extraConfig: [...base, `imap_capability = ${EXCHANGE_ONLINE_CAPABILITIES}`] }),
    ],
  ];
  try {
    for (const [name, server] of servers) {
      const times: Record<'pipelined' | 'imapflow', number[]> = { pipelined: [], imapflow: [] };
      for (let r = 0; r < rounds; r++) {
        for (const path of ['pipelined', 'imapflow'] as const) {
          const user = `${path}${r}@bench.test`;
          server.addUser(user, 'pw');
          times[path].push(await timeAppends(server, user, path === 'pipelined', messages));
        }
      }
      console.log(name);
      for (const path of ['pipelined', 'imapflow'] as const) {
        const best = Math.min(...times[path]);
        console.log(
          `  ${path.padEnd(9)} ${times[path].map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')}` +
            `  (best ${(bytes / MB / (best / 1000)).toFixed(1)} MB/s, ${Math.round(count / (best / 1000))} msg/s)`,
        );
      }
      const ratio = Math.min(...times.imapflow) / Math.min(...times.pipelined);
      console.log(`  pipelined is ${ratio.toFixed(2)}x imapflow's APPEND`);
    }
  } finally {
    await Promise.all(servers.map(([, s]) => s.stop()));
  }
}

async function timeAppends(
  server: RunningDovecot,
  user: string,
  pipeline: boolean,
  messages: TargetMessage[],
): Promise<number> {
  const endpoint = {
    host: server.host,
    port: server.port,
    security: 'none' as const,
    allowInvalidCertificates: false,
    auth: 'password' as const,
    maxMessageSizeMB: 35,
    connections: 1,
  };
  const target = await ImapTarget.open(endpoint, { email: user, password: 'pw' }, { pipeline });
  const t0 = Date.now();
  try {
    const perCall = target.capabilities.appendBatch;
    for (let i = 0; i < messages.length;) {
      const batch: TargetMessage[] = [];
      let size = 0;
      while (i < messages.length && batch.length < perCall) {
        const m = messages[i] as TargetMessage;
        if (batch.length && size + m.size > APPEND_BATCH_BYTES) break;
        batch.push(m);
        size += m.size;
        i++;
      }
      const results = await target.append('INBOX', batch);
      if (results.some((r) => !r.ok)) throw new Error(`${user}: the server refused a message`);
    }
    return Date.now() - t0;
  } finally {
    await target.close();
  }
}
