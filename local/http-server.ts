import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';
import type { FunctionRegistry, RegisteredFunction } from './core/registry';
import type { Invoker } from './invoker';
import { HOST_NOT_ALLOWED, isLoopbackHost } from './loopback-host';
import { bySpecificity, compileRoute, type CompiledRoute } from './routes';

/**
 * The public HTTP front door, as the Functions host serves it: `/{routePrefix}/{route}` to HTTP
 * triggers, on 127.0.0.1 only. Functions whose authLevel is not `anonymous` need the host key in
 * `x-functions-key` (or `?code=`), as on Azure with function keys.
 */
export interface HttpServerOptions {
  registry: FunctionRegistry;
  invoker: Invoker;
  port: number;
  routePrefix: string;
  apiKey: string | undefined;
  maxRequestBytes: number;
  /** Extra inputs by binding type for each invocation (the durable client). */
  extraInputsByType: (publicBaseUrl: string) => Record<string, unknown>;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Route {
  fn: RegisteredFunction;
  route: CompiledRoute;
  methods: string[] | undefined;
  anonymous: boolean;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  // An empty key would compare equal to a missing header in spirit: refuse it rather than open up.
  if (options.apiKey !== undefined && !options.apiKey.trim())
    throw new Error('The API key is empty: give a key, or leave it out only for a test host.');
  const routes = collectRoutes(options.registry);
  let baseUrl = '';
  const server = http.createServer((req, res) => {
    serve(options, routes, baseUrl, req, res).catch((e: unknown) => {
      console.error('http: request failed:', e instanceof Error ? e.message : e);
      if (!res.headersSent)
        sendJson(res, 500, {
          code: 'INTERNAL_ERROR',
          message: 'The request failed inside the host; see the host log.',
        });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function collectRoutes(registry: FunctionRegistry): Route[] {
  const routes = registry.byTrigger('httpTrigger').map((fn) => {
    const t = fn.trigger as { route?: string; methods?: string[]; authLevel?: string };
    return {
      fn,
      route: compileRoute(t.route ?? fn.name),
      methods: t.methods?.map((m) => m.toUpperCase()),
      anonymous: (t.authLevel ?? 'function') === 'anonymous',
    };
  });
  return routes.sort((a, b) => bySpecificity(a.route, b.route));
}

async function serve(
  options: HttpServerOptions,
  routes: Route[],
  baseUrl: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (!isLoopbackHost(req)) return sendJson(res, 421, HOST_NOT_ALLOWED);
  const url = new URL(req.url ?? '/', baseUrl);
  const method = (req.method ?? 'GET').toUpperCase();
  const prefix = options.routePrefix ? `/${options.routePrefix}` : '';
  if (!url.pathname.toLowerCase().startsWith(prefix.toLowerCase())) {
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `No function serves ${url.pathname}.` });
  }
  const path = url.pathname.slice(prefix.length);
  const candidates = routes.map((r) => ({ r, params: r.route.match(path) })).filter((c) => c.params);
  const chosen = candidates.find((c) => !c.r.methods || c.r.methods.includes(method));
  if (!chosen) {
    if (candidates.length) {
      const allowed = [...new Set(candidates.flatMap((c) => c.r.methods ?? []))];
      res.setHeader('allow', allowed.join(', '));
      return sendJson(res, 405, {
        code: 'METHOD_NOT_ALLOWED',
        message: `Use ${allowed.join(' or ')} on ${url.pathname}.`,
      });
    }
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `No function serves ${url.pathname}.` });
  }
  const { r, params } = chosen as { r: Route; params: Record<string, string> };
  if (!r.anonymous && !authorised(options.apiKey, req, url)) {
    return sendJson(res, 401, {
      code: 'UNAUTHORIZED',
      message:
        'Send the API key in the x-functions-key header (it is printed by `mailferry serve` on first start).',
    });
  }
  const body = await readBody(req, options.maxRequestBytes);
  if (body === 'too-large') {
    return sendJson(res, 413, {
      code: 'PAYLOAD_TOO_LARGE',
      message: `The request body is over ${options.maxRequestBytes} bytes; split it into smaller requests.`,
    });
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const request = new HttpRequest({
    method,
    url: url.href,
    headers,
    query: Object.fromEntries(url.searchParams),
    params,
    body: body.length ? { bytes: body } : undefined,
  });
  const result = await options.invoker.invoke(r.fn, request, {
    extraInputsByType: options.extraInputsByType(baseUrl),
  });
  await writeResponse(res, result);
}

function authorised(apiKey: string | undefined, req: http.IncomingMessage, url: URL): boolean {
  if (apiKey === undefined) return true;
  const given = (req.headers['x-functions-key'] as string | undefined) ?? url.searchParams.get('code') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(apiKey);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function writeResponse(res: http.ServerResponse, result: unknown): Promise<void> {
  const response =
    result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as HttpResponseInit);
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  const cookies = response.cookies.map(
    (c) => `${c.name}=${c.value}${c.path ? `; Path=${c.path}` : ''}${c.httpOnly ? '; HttpOnly' : ''}`,
  );
  if (cookies.length) headers['set-cookie'] = cookies;
  headers['content-length'] = String(body.length);
  res.writeHead(response.status ?? 200, headers);
  res.end(body);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        resolve('too-large');
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
