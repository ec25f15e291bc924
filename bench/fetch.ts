/**
 * `npm run bench -- fetch [--messages 10000] [--rounds 3]`
 *
 * The source's bulk body FETCH alone, judy-sized by default (10,000 messages of the benchmark's
 * size mix, ~170 MB, in INBOX of a local Dovecot): imapflow's fetch (`UID FLAGS BODY.PEEK[]`, what
 * the copy used before) against our FETCH reader (shared/mail/fetch), in the copy's append groups
 * (≤ APPEND_BATCH_MESSAGES messages, ≤ APPEND_BATCH_BYTES each), every message's bytes touched (a
 * checksum) as the appender would hand them on. Prints wall time, MB/s and this process's CPU
 * (user + system) per 1,000 messages. Rounds alternate the two readers so a busy neighbour on this
 * shared machine slows both alike; Dovecot's own CPU is not counted.
 */
import { ImapFlow } from 'imapflow';
import { APPEND_BATCH_BYTES, APPEND_BATCH_MESSAGES } from '../shared/mail/limits';
import { FetchReader } from '../shared/mail/fetch/reader';
import { uidSet } from '../shared/mail/source';
import { parseEndpoint } from '../shared/mail/settings';
import { benchCorpus, seedMailbox } from '../testing/mail/corpus';
import { startDovecot, type RunningDovecot } from '../testing/mail/dovecot';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const MB = 1024 * 1024;
type Path = 'imapflow' | 'reader';

interface Round {
  ms: number;
  cpuMs: number;
  bytes: number;
  messages: number;
}

export async function run(args: string[]): Promise<void> {
  const count = arg(args, 'messages', 10000);
  const rounds = arg(args, 'rounds', 3);
  const server = await startDovecot({ extraConfig: ['mail_fsync = never'] });
  try {
    const user = 'judy@bench.test';
    server.addUser(user, 'pw');
    const corpus = [...benchCorpus(count, 11)].map((m) => ({ ...m, folder: 'INBOX' }));
    await seedMailbox({ host: server.host, port: server.port, user, password: 'pw' }, corpus, 4);
    const sizes = corpus.map((m) => m.content.length);
    const groups = appendGroups(sizes);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(
      `fetch: ${count} messages, ${(total / MB).toFixed(1)} MB in ${groups.length} FETCHes (append groups), ${rounds} round(s) per reader`,
    );
    const results: Record<Path, Round[]> = { imapflow: [], reader: [] };
    for (let r = 0; r < rounds; r++) {
      for (const path of ['imapflow', 'reader'] as const) {
        const round = await timeFetch(server, user, path, groups);
        if (round.messages !== count || round.bytes !== total)
          throw new Error(
            `${path}: read ${round.messages} messages / ${round.bytes} bytes, expected ${count} / ${total}`,
          );
        results[path].push(round);
      }
    }
    for (const path of ['imapflow', 'reader'] as const) {
      const best = results[path].reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
      console.log(
        `  ${path.padEnd(8)} wall ${results[path].map((x) => `${(x.ms / 1000).toFixed(2)} s`).join(', ')}` +
          `  best ${(total / MB / (Math.min(...results[path].map((x) => x.ms)) / 1000)).toFixed(1)} MB/s;` +
          ` CPU ${results[path].map((x) => Math.round((x.cpuMs / count) * 1000)).join(', ')} ms per 1,000 messages` +
          ` (best ${Math.round((best.cpuMs / count) * 1000)})`,
      );
    }
    const cpu = (p: Path): number => Math.min(...results[p].map((x) => x.cpuMs));
    const wall = (p: Path): number => Math.min(...results[p].map((x) => x.ms));
    console.log(
      `  reader: ${(cpu('imapflow') / cpu('reader')).toFixed(2)}x less CPU, ${(wall('imapflow') / wall('reader')).toFixed(2)}x faster than imapflow (best of each)`,
    );
  } finally {
    await server.stop();
  }
}

/** UID groups as the appender forms them: consecutive UIDs 1..n by size. */
function appendGroups(sizes: number[]): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (group.length && (group.length >= APPEND_BATCH_MESSAGES || bytes + size > APPEND_BATCH_BYTES)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(i + 1);
    bytes += size;
  });
  if (group.length) groups.push(group);
  return groups;
}

async function timeFetch(
  server: RunningDovecot,
  user: string,
  path: Path,
  groups: number[][],
): Promise<Round> {
  const out: Round = { ms: 0, cpuMs: 0, bytes: 0, messages: 0 };
  let sum = 0;
  const take = async (body: Buffer): Promise<void> => {
    out.messages++;
    out.bytes += body.length;
    // Touch the bytes (first and last) as a consumer would; keeps the read from being optimised away.
    sum = (sum + (body[0] ?? 0) + (body[body.length - 1] ?? 0)) & 0xffff;
    await Promise.resolve();
  };
  if (path === 'imapflow') {
    const c = new ImapFlow({
      host: server.host,
      port: server.port,
      secure: false,
      logger: false,
      disableAutoIdle: true,
      auth: { user, pass: 'pw' },
    });
    c.on('error', () => undefined);
    await c.connect();
    await c.mailboxOpen('INBOX', { readOnly: true });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const g of groups) {
      for await (const m of c.fetch(uidSet(g), { uid: true, source: true, flags: true }, { uid: true }))
        if (m.source) await take(m.source);
    }
    out.ms = performance.now() - t0;
    out.cpuMs = cpuMs(process.cpuUsage(cpu0));
    await c.logout();
  } else {
    const endpoint = parseEndpoint({ host: server.host, port: server.port, security: 'none' }, 'source');
    const reader = await FetchReader.open(endpoint, { email: user, password: 'pw' });
    const folder = { path: 'INBOX', uidValidity: await uidValidity(server, user) };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const g of groups) await reader.bodies(folder, uidSet(g), (_uid, body) => take(body));
    out.ms = performance.now() - t0;
    out.cpuMs = cpuMs(process.cpuUsage(cpu0));
    await reader.close();
  }
  if (sum < 0) console.log(sum);
  return out;
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

async function uidValidity(server: RunningDovecot, user: string): Promise<string> {
  const c = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    logger: false,
    auth: { user, pass: 'pw' },
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.mailboxOpen('INBOX', { readOnly: true })).uidValidity.toString();
  } finally {
    await c.logout();
  }
}
