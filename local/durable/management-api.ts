import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOST_NOT_ALLOWED, isLoopbackHost } from '../loopback-host';
import { InstanceConflictError, type DurableEngine } from './engine';
import type { InstanceRecord, RuntimeStatus } from './store';

/**
 * The Durable extension's management routes that `df.getClient()` calls through `rpcBaseUrl`
 * (start, status, list, raise event, terminate, purge), served on its own loopback port as the
 * extension serves its local RPC endpoint. Only the host's own functions talk to it: the base URL
 * they are given carries a random token as its first path segment, and any request without it is
 * refused, so another local process (or a web page) cannot start, read or purge instances.
 */
export interface ManagementApi {
  rpcBaseUrl: string;
  /** The extra input `df.getClient(context)` reads, for a given public base URL. */
  clientData(publicBaseUrl: string, taskHubName: string): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startManagementApi(engine: DurableEngine): Promise<ManagementApi> {
  const token = randomBytes(24).toString('base64url');
  const server = http.createServer((req, res) => {
    if (!isLoopbackHost(req)) return send(res, 421, HOST_NOT_ALLOWED);
    if (!hasToken(req.url ?? '/', token))
      return send(res, 401, {
        code: 'UNAUTHORIZED',
        message: 'The management API is for the host’s own functions; use the API on the public port.',
      });
    handle(engine, req, res).catch((e: unknown) => {
      send(res, 500, { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const rpcBaseUrl = `http://127.0.0.1:${port}/${token}/durabletask/`;
  return {
    rpcBaseUrl,
    clientData: (publicBaseUrl, taskHubName) => clientData(rpcBaseUrl, publicBaseUrl, taskHubName),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function hasToken(requestUrl: string, token: string): boolean {
  const given = Buffer.from(new URL(requestUrl, 'http://127.0.0.1').pathname.split('/')[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function clientData(rpcBaseUrl: string, publicBaseUrl: string, taskHubName: string): Record<string, unknown> {
  const hook = `${publicBaseUrl}/runtime/webhooks/durabletask`;
  const q = `taskHub=${taskHubName}&connection=Storage`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?${q}`,
      createAndWaitOnNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${hook}/instances/INSTANCEID?${q}`,
      sendEventPostUri: `${hook}/instances/INSTANCEID/raiseEvent/{eventName}?${q}`,
      terminatePostUri: `${hook}/instances/INSTANCEID/terminate?reason={text}&${q}`,
      rewindPostUri: `${hook}/instances/INSTANCEID/rewind?reason={text}&${q}`,
      purgeHistoryDeleteUri: `${hook}/instances/INSTANCEID?${q}`,
      restartPostUri: `${hook}/instances/INSTANCEID/restart?${q}`,
      suspendPostUri: `${hook}/instances/INSTANCEID/suspend?reason={text}&${q}`,
      resumePostUri: `${hook}/instances/INSTANCEID/resume?reason={text}&${q}`,
    },
    baseUrl: hook,
    requiredQueryStringParameters: q,
    rpcBaseUrl,
  };
}

async function handle(
  engine: DurableEngine,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const parts = url.pathname
    .replace(/^\/[^/]+\/durabletask\//, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  const body = await readBody(req);
  const method = req.method ?? 'GET';

  if (method === 'POST' && parts[0] === 'orchestrators' && parts[1]) {
    const input = body ? JSON.parse(body) : undefined;
    try {
      const id = await engine.startNew(parts[1], input, parts[2]);
      return send(res, 202, { id });
    } catch (e) {
      if (e instanceof InstanceConflictError) return send(res, 409, { code: e.code, message: e.message });
      if ((e as { code?: string }).code === 'NOT_FOUND')
        return send(res, 404, { code: 'NOT_FOUND', message: (e as Error).message });
      throw e;
    }
  }
  if (parts[0] !== 'instances')
    return send(res, 404, { code: 'NOT_FOUND', message: `no route ${url.pathname}` });
  const id = parts[1];

  if (method === 'GET' && !id) {
    const statuses = url.searchParams.get('runtimeStatus')?.split(',').filter(Boolean) as
      RuntimeStatus[] | undefined;
    const records = await engine.list(statuses);
    return send(
      res,
      200,
      records.map((r) => statusJson(r, url.searchParams.get('showInput') !== 'false')),
    );
  }
  if (method === 'GET' && id) {
    const record = await engine.getRecord(id);
    if (!record) return send(res, 404, { code: 'NOT_FOUND', message: `no instance ${id}` });
    const status = statusJson(record, url.searchParams.get('showInput') !== 'false');
    if (url.searchParams.get('showHistory') === 'true') status.historyEvents = await engine.historyOf(record);
    return send(res, 200, status);
  }
  if (method === 'POST' && id && parts[2] === 'raiseEvent' && parts[3]) {
    const outcome = await engine.raiseEvent(id, parts[3], body ? JSON.parse(body) : undefined);
    return send(res, outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404, { outcome });
  }
  if (method === 'POST' && id && parts[2] === 'terminate') {
    const outcome = await engine.terminate(id, url.searchParams.get('reason') ?? 'terminated');
    return send(res, outcome === 'accepted' ? 202 : outcome === 'gone' ? 410 : 404, { outcome });
  }
  if (method === 'DELETE' && id) {
    const purged = await engine.purge(id);
    return send(res, purged ? 200 : 404, { instancesDeleted: purged ? 1 : 0 });
  }
  if (method === 'DELETE' && !id) {
    const statuses = url.searchParams.get('runtimeStatus')?.split(',').filter(Boolean) as
      RuntimeStatus[] | undefined;
    let deleted = 0;
    for (const r of await engine.list(statuses)) if (await engine.purge(r.instanceId)) deleted++;
    return send(res, deleted ? 200 : 404, { instancesDeleted: deleted });
  }
  return send(res, 501, {
    code: 'NOT_SUPPORTED',
    message: `${method} ${url.pathname} is not supported by the embedded runtime (suspend, resume, rewind and entities run on Azure only)`,
  });
}

function statusJson(r: InstanceRecord, showInput: boolean): Record<string, unknown> {
  const parse = (s: string | undefined): unknown => (s === undefined ? null : JSON.parse(s));
  return {
    name: r.name,
    instanceId: r.instanceId,
    createdTime: r.createdTime,
    lastUpdatedTime: r.lastUpdatedTime,
    input: showInput ? parse(r.input) : null,
    output: r.runtimeStatus === 'Failed' ? (r.failure?.ErrorMessage ?? null) : parse(r.output),
    runtimeStatus: r.runtimeStatus,
    customStatus: parse(r.customStatus),
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
