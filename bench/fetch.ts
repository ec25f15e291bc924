/**
 * `npm run bench -- fetch [--messages 10000] [--rounds 3]`
 *
 * The source's two bulk FETCHes alone, judy-sized by default (10,000 messages of the benchmark's
 * size mix, ~190 MB, in INBOX of a local Dovecot), read by imapflow (what the copy used before) and
 * by our FETCH reader (shared/mail/fetch):
 * - metadata: `UID RFC822.SIZE INTERNALDATE FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]` in the
 *   copy's chunks (CHUNK_MAX_MESSAGES), turned into the copy's MessageMeta;
 * - bodies: `UID FLAGS BODY.PEEK[]` in the copy's append groups (≤ APPEND_BATCH_MESSAGES messages,
 *   ≤ APPEND_BATCH_BYTES each), every message's bytes touched as the appender would hand them on.
 * Prints wall time, MB/s and this process's CPU (user + system, GC included) per 1,000 messages.
 * Rounds alternate the two readers so a busy neighbour on this shared machine slows both alike;
 * Dovecot's own CPU is not counted.
 */
import { ImapFlow } from 'imapflow';
import { APPEND_BATCH_BYTES, APPEND_BATCH_MESSAGES, CHUNK_MAX_MESSAGES } from '../shared/mail/limits';
import { FetchReader } from '../shared/mail/fetch/reader';
import { flagList, messageIdOf, toMeta, uidSet, type MessageMeta } from '../shared/mail/source';
import { parseEndpoint } from '../shared/mail/settings';
import { benchCorpus, seedMailbox } from '../testing/mail/corpus';
import { startDovecot, type RunningDovecot } from '../testing/mail/dovecot';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const MB = 1024 * 1024;
const PATHS = ['imapflow', 'reader'] as const;
type Path = (typeof PATHS)[number];
const PHASES = ['metadata', 'bodies'] as const;
type Phase = (typeof PHASES)[number];

interface Timing {
  ms: number;
  cpuMs: number;
}

/** What a reader is asked to do: the same for both. */
interface Reader {
  meta(set: string, onMeta: (m: MessageMeta) => void): Promise<void>;
  bodies(set: string, onBody: (body: Buffer) => Promise<void>): Promise<void>;
  close(): Promise<void>;
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
    const total = sizes.reduce((a, b) => a + b, 0);
    const chunks = slices(sizes, CHUNK_MAX_MESSAGES, Infinity);
    const groups = slices(sizes, APPEND_BATCH_MESSAGES, APPEND_BATCH_BYTES);
    console.log(
      `fetch: ${count} messages, ${(total / MB).toFixed(1)} MB; metadata in ${chunks.length} FETCHes (chunks), ` +
        `bodies in ${groups.length} (append groups); ${rounds} round(s) per reader, alternating`,
    );
    const results: Record<Phase, Record<Path, Timing[]>> = {
      metadata: { imapflow: [], reader: [] },
      bodies: { imapflow: [], reader: [] },
    };
    for (let r = 0; r < rounds; r++) {
      for (const path of PATHS) {
        const reader = await open(server, user, path);
        try {
          let metas = 0;
          results.metadata[path].push(
            await timed(async () => {
              for (const c of chunks) await reader.meta(uidSet(c), () => metas++);
            }),
          );
          let bytes = 0;
          let messages = 0;
          results.bodies[path].push(
            await timed(async () => {
              for (const g of groups)
                await reader.bodies(uidSet(g), async (body) => {
                  messages++;
                  bytes += body.length;
                  await Promise.resolve();
                });
            }),
          );
          if (metas !== count || messages !== count || bytes !== total)
            throw new Error(
              `${path}: read ${metas} metadata, ${messages} bodies of ${bytes} bytes; expected ${count} / ${total}`,
            );
        } finally {
          await reader.close();
        }
      }
    }
    for (const phase of PHASES) {
      console.log(`${phase}:`);
      for (const path of PATHS) {
        const t = results[phase][path];
        const bestWall = Math.min(...t.map((x) => x.ms));
        const mbs = phase === 'bodies' ? `, ${(total / MB / (bestWall / 1000)).toFixed(0)} MB/s` : '';
        console.log(
          `  ${path.padEnd(8)} wall ${t.map((x) => `${Math.round(x.ms)}`).join(', ')} ms (best ${Math.round(bestWall)}${mbs});` +
            ` CPU ${t.map((x) => Math.round((x.cpuMs / count) * 1000)).join(', ')} ms per 1,000 messages`,
        );
      }
      const cpu = (p: Path): number => Math.min(...results[phase][p].map((x) => x.cpuMs));
      const wall = (p: Path): number => Math.min(...results[phase][p].map((x) => x.ms));
      console.log(
        `  reader: ${(cpu('imapflow') / cpu('reader')).toFixed(2)}x less CPU, ` +
          `${(wall('imapflow') / wall('reader')).toFixed(2)}x less wall time than imapflow (best of each)`,
      );
    }
  } finally {
    await server.stop();
  }
}

/** Consecutive UIDs 1..n cut as the copy cuts them: at `maxMessages` or `maxBytes`. */
function slices(sizes: number[], maxMessages: number, maxBytes: number): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (cur.length && (cur.length >= maxMessages || bytes + size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(i + 1);
    bytes += size;
  });
  if (cur.length) out.push(cur);
  return out;
}

async function timed(work: () => Promise<void>): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  const u = process.cpuUsage(cpu0);
  return { ms, cpuMs: (u.user + u.system) / 1000 };
}

async function open(server: RunningDovecot, user: string, path: Path): Promise<Reader> {
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
  const box = await c.mailboxOpen('INBOX', { readOnly: true });
  if (path === 'imapflow') {
    return {
      async meta(set, onMeta) {
        const q = { uid: true, size: true, internalDate: true, flags: true, headers: ['message-id'] };
        for await (const m of c.fetch(set, q, { uid: true }))
          onMeta({
            uid: m.uid,
            size: m.size ?? 0,
            internalDate:
              m.internalDate instanceof Date ? m.internalDate : new Date(String(m.internalDate ?? 0)),
            flags: flagList(m.flags),
            messageId: messageIdOf(m.headers),
            subject: '',
          });
      },
      async bodies(set, onBody) {
        for await (const m of c.fetch(set, { uid: true, source: true, flags: true }, { uid: true }))
          if (m.source) await onBody(m.source);
      },
      close: () => c.logout(),
    };
  }
  await c.logout();
  const endpoint = parseEndpoint({ host: server.host, port: server.port, security: 'none' }, 'source');
  const reader = await FetchReader.open(endpoint, { email: user, password: 'pw' });
  const folder = { path: 'INBOX', uidValidity: box.uidValidity.toString(), generation: 1 };
  return {
    meta: (set, onMeta) => reader.meta(folder, set, (m) => onMeta(toMeta(m))),
    bodies: (set, onBody) => reader.bodies(folder, set, (_uid, body) => onBody(body)),
    close: () => reader.close(),
  };
}
