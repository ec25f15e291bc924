/**
 * `npm run bench -- graph [--messages 2000] [--scale 10] [--seed 1]`
 *
 * Copies a mailbox of generated MIME messages with a realistic size mix into the local Graph
 * stand-in configured with Exchange Online's per-mailbox limits (4 concurrent, 10,000 requests /
 * 10 min, 150 MB upload / 5 min), driving GraphMailTarget the way the copy engine does (4 append
 * calls of up to 20 messages in flight). `--scale` compresses time: both windows are divided by it
 * on the server and on the client (counts unchanged), so a 5-minute window lasts 300/scale s.
 *
 * Prints the share of the upload budget used — overall, and sustained after the first window (the
 * first window starts with a full budget, which flatters the overall figure) — and requests per
 * message (Graph operations, each $batch sub-request counting, and HTTP requests).
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { createTokenProvider } from '../shared/auth';
import { GraphClient, GraphMailTarget, scaledLimits, EXCHANGE_ONLINE_GRAPH_LIMITS } from '../shared/graph';
import type { TargetMessage } from '../shared/mail/target';
import { prng } from '../testing/mail/corpus';
import { startGraphStandin, EXCHANGE_ONLINE_LIMITS } from '../testing/graph-standin';

const CLIENT_ID = '22222222-2222-2222-2222-222222222222';
const SECRET = 'bench-secret-value';
const USER = 'c0c0c0c0-0000-4000-8000-000000000003';
const APPEND_CALLS = 4;
const PER_CALL = 20;
const PER_CALL_BYTES = 8 * 1024 * 1024;

/** Size classes of a typical business mailbox: share of messages, size range in bytes, attachment? */
const SIZE_MIX: Array<{ share: number; min: number; max: number; attachment: boolean; label: string }> = [
  { share: 0.55, min: 3_000, max: 15_000, attachment: false, label: 'text/html 3-15 KB' },
  { share: 0.25, min: 15_000, max: 75_000, attachment: false, label: 'newsletter 15-75 KB' },
  { share: 0.12, min: 75_000, max: 500_000, attachment: true, label: 'attachment 75-500 KB' },
  { share: 0.06, min: 500_000, max: 2_500_000, attachment: true, label: 'attachment 0.5-2.5 MB' },
  {
    share: 0.02,
    min: 3_000_000,
    max: 12_000_000,
    attachment: true,
    label: 'attachment 3-12 MB (upload session)',
  },
];

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ';

/** Message `i` of the run; its own PRNG stream, so the mailbox is the same whatever the interleaving. */
async function makeMessage(i: number, seed: number): Promise<TargetMessage> {
  const rand = prng(seed * 100_003 + i);
  let r = rand();
  const cls = SIZE_MIX.find((c) => (r -= c.share) < 0) ?? SIZE_MIX[0]!;
  const size = Math.floor(cls.min + rand() * (cls.max - cls.min));
  const textBytes = cls.attachment ? 2_000 : size;
  const html = `<html><body>${`<p>${LOREM}</p>`.repeat(Math.max(1, Math.floor(textBytes / (LOREM.length + 7))))}</body></html>`;
  const attachments = cls.attachment
    ? [{ filename: `file-${i}.bin`, content: Buffer.alloc(Math.floor(size * 0.74), i % 251) }] // base64 in MIME: ~size
    : [];
  const date = new Date(Date.UTC(2019, 0, 1) + i * 3_600_000);
  const content = await new MailComposer({
    from: 'Sender <sender@fabrikam.com>',
    to: 'bench@contoso.com',
    subject: `Bench message ${i}`,
    date,
    html,
    attachments,
  })
    .compile()
    .build();
  const flags = rand() < 0.8 ? ['\\Seen'] : [];
  return { key: `bench-${i}`, size: content.length, internalDate: date, content, flags };
}

export async function run(args: string[]): Promise<void> {
  const total = arg(args, 'messages', 2000);
  // 10x: a 30 s upload window. Much faster and this machine cannot generate MIME as fast as the
  // budget allows, so bytes would stop being the bottleneck.
  const scale = arg(args, 'scale', 10);
  const seed = arg(args, 'seed', 1);
  const serverLimits = {
    ...EXCHANGE_ONLINE_LIMITS,
    requestWindowMs: EXCHANGE_ONLINE_LIMITS.requestWindowMs / scale,
    uploadWindowMs: EXCHANGE_ONLINE_LIMITS.uploadWindowMs / scale,
  };
  const clientLimits = scaledLimits(scale, EXCHANGE_ONLINE_GRAPH_LIMITS);
  const standin = await startGraphStandin({
    apps: [{ clientId: CLIENT_ID, secret: SECRET }],
    users: [{ userPrincipalName: 'bench@contoso.com', id: USER }],
    limits: serverLimits,
    retainBytes: false,
  });
  console.log('Graph target benchmark against the LOCAL STAND-IN (not Microsoft Graph).');
  console.log(
    `Time scale: ${scale}x — Exchange Online's windows compressed: upload window ${serverLimits.uploadWindowMs / 1000} s (real: 300 s), request window ${serverLimits.requestWindowMs / 1000} s (real: 600 s); counts unchanged (150 MB, 10,000 requests, 4 concurrent).`,
  );
  console.log(`Size mix: ${SIZE_MIX.map((c) => `${Math.round(c.share * 100)}% ${c.label}`).join('; ')}`);
  try {
    const tokens = createTokenProvider({
      tenantId: standin.tenantId,
      clientId: CLIENT_ID,
      credential: { kind: 'secret', secret: SECRET },
      authorityHost: standin.authorityHost,
    });
    const client = new GraphClient({ baseUrl: standin.url, tokens, limits: clientLimits });
    const target = new GraphMailTarget(client, { userId: USER });
    await target.ensureFolder('INBOX');
    const startStats = { ...client.stats };
    const startRequests = standin.state.requests.length;

    let next = 0;
    let sourceBytes = 0;
    let copied = 0;
    let refused = 0;
    const started = Date.now();
    const worker = async (): Promise<void> => {
      while (next < total) {
        const items: TargetMessage[] = [];
        let bytes = 0;
        while (next < total && items.length < PER_CALL && bytes < PER_CALL_BYTES) {
          const m = await makeMessage(next++, seed);
          items.push(m);
          bytes += m.size;
        }
        const results = await target.append('INBOX', items);
        for (const [i, r] of results.entries()) {
          if (r.ok) {
            copied++;
            sourceBytes += items[i]!.size;
          } else refused++;
        }
      }
    };
    await Promise.all(Array.from({ length: APPEND_CALLS }, worker));
    const elapsed = Date.now() - started;

    const uploads = standin.state.requests
      .slice(startRequests)
      .filter((r) => r.mailbox !== null && r.status < 400);
    const uploaded = uploads.reduce((s, r) => s + r.bytes, 0);
    const W = serverLimits.uploadWindowMs;
    const limit = serverLimits.uploadBytesPerWindow;
    const overall = uploaded / (limit * (elapsed / W));
    // Bytes per consecutive upload window from the first upload: complete windows only say how much
    // of each window's 150 MB the client used once it had to wait for the budget.
    const firstAt = uploads[0]?.at ?? started;
    const perWindow: number[] = [];
    for (const r of uploads) {
      const k = Math.floor((r.at - firstAt) / W);
      perWindow[k] = (perWindow[k] ?? 0) + r.bytes;
    }
    const lastAt = uploads.at(-1)?.at ?? started;
    const complete = Math.floor((lastAt - firstAt) / W);
    const shares = Array.from({ length: complete }, (_, k) => (perWindow[k] ?? 0) / limit);
    const sustainedShares = shares.slice(1);
    const sustained = sustainedShares.length
      ? sustainedShares.reduce((x, y) => x + y, 0) / sustainedShares.length
      : NaN;
    const ops = client.stats.operations - startStats.operations;
    const http = client.stats.httpRequests - startStats.httpRequests;
    const peak = standin.state.throttle.peakConcurrency.get(USER) ?? 0;
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

    console.log(
      `Messages: ${copied} copied, ${refused} refused; source ${mb(sourceBytes)} MB, uploaded ${mb(uploaded)} MB (JSON + base64 + upload chunks)`,
    );
    console.log(
      `Elapsed: ${(elapsed / 1000).toFixed(1)} s scaled = ${((elapsed * scale) / 60000).toFixed(1)} min at real Exchange Online limits`,
    );
    console.log(
      `Upload budget (150 MB / 5 min) used: ${(overall * 100).toFixed(1)}% overall (bytes / (150 MB x elapsed/5 min)); per complete window: ${shares.map((x) => `${(x * 100).toFixed(0)}%`).join(', ') || 'n/a'}; ${Number.isNaN(sustained) ? 'sustained n/a (run shorter than 2 windows)' : `${(sustained * 100).toFixed(1)}% sustained (mean of complete windows after the first)`}`,
    );
    console.log(
      `Requests per message: ${(ops / copied).toFixed(2)} Graph operations, ${(http / copied).toFixed(3)} HTTP requests ($batch of up to 20)`,
    );
    console.log(
      `Server-side: ${standin.state.throttle.throttled} throttled (429), peak ${peak} concurrent for the mailbox, ${standin.state.throttle.sentBeforeRetryAfter} sent before Retry-After`,
    );
  } finally {
    await standin.stop();
  }
}
