import http from 'node:http';

/**
 * A loopback HTTP proxy for Graph fault tests (a test tool, not part of mailferry): forwards every
 * request to the Graph stand-in untouched and, when armed, lets a write reach the stand-in (so it
 * IS stored) and then answers the client something else, as a gateway between Graph and the
 * client can:
 * - `createAnswered`: a direct `POST .../messages` is carried out, the client gets `status` (503/504);
 * - `batchAnswered`: a whole `$batch` is carried out, the client gets `status` for the batch;
 * - `batchItemAnswered`: a `$batch` is carried out, and its first `201` sub-response is turned
 *   into `status` (the message exists; the client is told the service was unavailable).
 * Each fires `times` times. Bounded: stops by itself after `lifetimeMs` (timer unref'd).
 */
export type HttpFault =
  | { kind: 'createAnswered'; status: 503 | 504; times?: number }
  | { kind: 'batchAnswered'; status: 503 | 504; times?: number }
  | { kind: 'batchItemAnswered'; status: 503 | 504; times?: number };

export interface HttpFaultProxy {
  /** The Graph base URL through the proxy (the stand-in's path, the proxy's origin). */
  url: string;
  arm(fault: HttpFault): void;
  readonly fired: Record<HttpFault['kind'], number>;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024 * 1024;

export async function startHttpFaultProxy(
  upstreamUrl: string,
  lifetimeMs = 10 * 60_000,
): Promise<HttpFaultProxy> {
  const upstream = new URL(upstreamUrl);
  const faults: Array<HttpFault & { left: number }> = [];
  const fired: Record<HttpFault['kind'], number> = {
    createAnswered: 0,
    batchAnswered: 0,
    batchItemAnswered: 0,
  };
  const take = (kind: HttpFault['kind']) => {
    const f = faults.find((x) => x.kind === kind && x.left > 0);
    if (f) {
      f.left--;
      fired[kind]++;
    }
    return f;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (typeof v === 'string' && k !== 'host') headers[k] = v;
        const target = new URL(req.url ?? '/', upstream.origin);
        const answer = await fetch(target, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
        });
        const text = Buffer.from(await answer.arrayBuffer());
        const isBatch = req.method === 'POST' && /\/\$batch$/.test(target.pathname);
        const isCreate = req.method === 'POST' && /\/messages$/.test(target.pathname);
        const unavailable = (status: number) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'fault proxy' } }));
        };
        if (isCreate && answer.status === 201) {
          const f = take('createAnswered');
          if (f) return unavailable(f.status);
        }
        // Only batches that create messages (a $batch of lookups is not a write).
        const creates = isBatch && /"method":"POST"/.test(body.toString('utf8'));
        if (creates && answer.ok) {
          const f = take('batchAnswered');
          if (f) return unavailable(f.status);
          const parsed = JSON.parse(text.toString('utf8')) as {
            responses?: Array<{ status: number; body?: unknown }>;
          };
          const hit = parsed.responses?.find((r) => r.status === 201);
          if (hit && faults.some((x) => x.kind === 'batchItemAnswered' && x.left > 0)) {
            const g = take('batchItemAnswered')!;
            hit.status = g.status;
            hit.body = { error: { code: 'ServiceUnavailable', message: 'fault proxy' } };
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(parsed));
            return;
          }
        }
        const out: Record<string, string> = {};
        answer.headers.forEach((v, k) => {
          if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'content-encoding') out[k] = v;
        });
        res.writeHead(answer.status, out);
        res.end(text);
      })().catch(() => {
        res.destroy();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const stop = async (): Promise<void> => {
    clearTimeout(lifetime);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lifetime = setTimeout(() => void stop(), lifetimeMs);
  lifetime.unref();
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/+$/, '')}`,
    arm(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    fired,
    stop,
  };
}
