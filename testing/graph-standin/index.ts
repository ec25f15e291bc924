/**
 * LOCAL STAND-IN — NOT MICROSOFT GRAPH.
 *
 * A small HTTP server on 127.0.0.1 that follows Microsoft Graph's and Entra ID's *documented*
 * behaviour closely enough for mailferry's tests, benchmarks and `npm start` demos: the token
 * endpoint (+ OpenID metadata), organization, domains, users (+ assignLicense and a mailbox that
 * appears some time after licensing), subscribedSkus, mailFolders, messages with extended
 * properties, attachments and upload sessions, sendMail, $batch, and Exchange Online's per-mailbox
 * throttling (429 + Retry-After). It keeps everything written in `state` so tests can read it back.
 *
 * It is a fake server: it imports nothing from mailferry's domain code (shared/), so it cannot
 * agree with the client by construction.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Calendar } from './calendar';
import { Contacts } from './contacts';
import { Directory } from './directory';
import { echoClientRequestId, graphError, type GraphReply, type GraphRequest } from './http';
import { Mail } from './mail';
import {
  newMailbox,
  type RequestRecord,
  type StandinApp,
  type StandinSku,
  type StandinState,
  type StandinUser,
} from './state';
import {
  EXCHANGE_ONLINE_LIMITS,
  MailboxThrottle,
  retryAfterHeader,
  type RetryAfterFormat,
  type StandinLimits,
  type StormOptions,
} from './throttle';
import { SENT_MAIL_PATH, sentMailLog } from './sent-mail';
import { TokenIssuer, openIdConfiguration } from './tokens';

export {
  EXCHANGE_ONLINE_LIMITS,
  type StandinLimits,
  type StormOptions,
  type RetryAfterFormat,
} from './throttle';
export { normalisePropertyId } from './state';
export type * from './state';
export type * from './pim-state';
export { SENT_MAIL_PATH, type SentMailEntry } from './sent-mail';

export interface StandinUserSeed {
  userPrincipalName: string;
  mail?: string | null;
  proxyAddresses?: string[];
  displayName?: string;
  usageLocation?: string | null;
  /** True for a user created by directory sync (password managed on-premises). */
  onPremisesSyncEnabled?: boolean | null;
  /** Default true: the user already has an Exchange Online mailbox. */
  hasMailbox?: boolean;
  id?: string;
}

export interface GraphStandinOptions {
  /** Loopback port to listen on; default 0 (any free port). */
  port?: number;
  tenantId?: string;
  /** Registered apps (client id + secret and/or certificate PEM). */
  apps?: StandinApp[];
  organization?: { displayName?: string; onPremisesSyncEnabled?: boolean | null };
  domains?: Array<{ id: string; isVerified?: boolean; isDefault?: boolean; isInitial?: boolean }>;
  users?: StandinUserSeed[];
  skus?: Array<Partial<StandinSku> & { skuId: string }>;
  /** Per-mailbox limits; default Exchange Online's. */
  limits?: Partial<StandinLimits>;
  retryAfterFormat?: RetryAfterFormat;
  /** Delay between licence assignment and the mailbox existing. Default 300 ms. */
  mailboxDelayMs?: number;
  /** Added to every mailbox request's handling time (lets concurrency show). Default 0. */
  latencyMs?: number;
  /** Largest message in bytes (Exchange Online default 35 MB). */
  maxMessageBytes?: number;
  /** Default true. False keeps attachment sizes but not their bytes (benchmarks of many MB). */
  retainBytes?: boolean;
  /** Lifetime of every access token issued, seconds (Entra ID: about an hour). Default 3599. */
  tokenLifetimeSeconds?: number;
}

export interface GraphStandin {
  /** Graph base URL, e.g. http://127.0.0.1:PORT/v1.0 */
  url: string;
  /** Token endpoint of the tenant (http form). */
  tokenUrl: string;
  /** Authority host to configure the client with, e.g. http://127.0.0.1:PORT */
  authorityHost: string;
  tenantId: string;
  /** GET it for every mail the stand-in "sent" (sendMail and meeting invitations), as JSON. */
  sentMailUrl: string;
  state: StandinState;
  addUser(seed: StandinUserSeed): StandinUser;
  /** Forces the next `count` mailbox requests to get 429 with the given Retry-After. */
  storm(options: StormOptions): void;
  stop(): Promise<void>;
}

const MAX_BATCH_REQUESTS = 20;
/** Graph runs at most 4 requests of a batch at the same time. */
const BATCH_PARALLELISM = 4;

function userFromSeed(seed: StandinUserSeed): StandinUser {
  const hasMailbox = seed.hasMailbox ?? true;
  const mail = seed.mail === undefined ? seed.userPrincipalName : seed.mail;
  return {
    id: seed.id ?? randomUUID(),
    userPrincipalName: seed.userPrincipalName,
    displayName: seed.displayName ?? seed.userPrincipalName.split('@')[0]!,
    mail,
    proxyAddresses: seed.proxyAddresses ?? (mail ? [`SMTP:${mail}`] : []),
    usageLocation: seed.usageLocation === undefined ? 'US' : seed.usageLocation,
    onPremisesSyncEnabled: seed.onPremisesSyncEnabled ?? null,
    accountEnabled: true,
    assignedLicenses: [],
    hasMailbox,
    mailboxReadyAt: null,
    passwordChanges: [],
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: GraphReply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload: Buffer | undefined;
  if (reply.raw) {
    payload = reply.raw.bytes;
    headers['content-type'] = reply.raw.contentType;
  } else if (reply.body !== undefined && reply.body !== null) {
    payload = Buffer.from(JSON.stringify(reply.body));
    headers['content-type'] = 'application/json; odata.metadata=minimal';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/**
 * What Graph's JSON batching refuses in the payload as a whole: a request without a string id, a
 * method or a relative url, two requests with the same id, a body without a Content-Type header.
 */
function batchProblem(list: Array<Record<string, unknown>>): string | null {
  const ids = new Set<string>();
  for (const r of list) {
    if (typeof r.id !== 'string' || r.id === '') return 'Each request of a batch needs a string id.';
    if (ids.has(r.id))
      return `Request Id '${r.id}' is used more than once; ids must be unique within a batch.`;
    ids.add(r.id);
    if (typeof r.method !== 'string' || !/^(GET|POST|PUT|PATCH|DELETE)$/i.test(r.method))
      return `Request '${r.id}' needs a method (GET, POST, PUT, PATCH or DELETE).`;
    if (typeof r.url !== 'string' || r.url === '' || /^https?:/i.test(r.url))
      return `Request '${r.id}' needs a url relative to the version, e.g. /users/{id}/events.`;
    const headers = Object.keys((r.headers as Record<string, string> | undefined) ?? {}).map((k) =>
      k.toLowerCase(),
    );
    if (r.body !== undefined && !headers.includes('content-type'))
      return `Request '${r.id}' has a body but no Content-Type header.`;
  }
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startGraphStandin(options: GraphStandinOptions = {}): Promise<GraphStandin> {
  const tenantId = options.tenantId ?? randomUUID();
  const state: StandinState = {
    tenantId,
    apps: options.apps ?? [],
    organization: {
      id: tenantId,
      displayName: options.organization?.displayName ?? 'Contoso',
      onPremisesSyncEnabled:
        options.organization?.onPremisesSyncEnabled === undefined
          ? true
          : options.organization.onPremisesSyncEnabled,
    },
    domains: (options.domains ?? [{ id: 'contoso.com' }]).map((d, i) => ({
      id: d.id.toLowerCase(),
      isVerified: d.isVerified ?? true,
      isDefault: d.isDefault ?? i === 0,
      isInitial: d.isInitial ?? false,
    })),
    skus: (options.skus ?? []).map((k) => ({
      skuPartNumber: 'EXCHANGESTANDARD',
      prepaidUnits: { enabled: 25 },
      consumedUnits: 0,
      includesExchange: true,
      ...k,
    })),
    users: new Map(),
    mailboxes: new Map(),
    uploadSessions: new Map(),
    sentMail: [],
    invitations: [],
    requests: [],
    tokensIssued: 0,
    throttle: { peakConcurrency: new Map(), throttled: 0, sentBeforeRetryAfter: 0 },
  };
  const addUser = (seed: StandinUserSeed): StandinUser => {
    const u = userFromSeed(seed);
    state.users.set(u.id, u);
    if (u.hasMailbox) state.mailboxes.set(u.id, newMailbox());
    return u;
  };
  for (const seed of options.users ?? []) addUser(seed);

  const limits: StandinLimits = { ...EXCHANGE_ONLINE_LIMITS, ...options.limits };
  const throttle = new MailboxThrottle(limits, state.throttle);
  const retryFormat = options.retryAfterFormat ?? 'seconds';
  const tokens = new TokenIssuer(state);
  const directory = new Directory(state, options.mailboxDelayMs ?? 300);
  const mail = new Mail(
    state,
    directory,
    options.maxMessageBytes ?? 35 * 1024 * 1024,
    options.retainBytes ?? true,
  );
  const latency = options.latencyMs ?? 0;
  const calendar = new Calendar(state, directory);
  const contacts = new Contacts(state, directory);

  /** Mailbox key of a request: the resolved user id for /users/{id}/(messages|mailFolders|sendMail|mailboxSettings). */
  function mailboxOf(path: string): string | null {
    const m =
      /^\/users\/([^/]+)\/(messages|mailFolders|sendMail|mailboxSettings|events|calendar|calendars|calendarView|contacts|contactFolders)(\/|$)/.exec(
        path,
      );
    if (!m) return null;
    return (directory.findUser(m[1]!)?.id ?? decodeURIComponent(m[1]!)).toLowerCase();
  }

  async function throttled(
    mailbox: string | null,
    bytes: number,
    record: Omit<RequestRecord, 'status' | 'mailbox' | 'bytes'> & { sentAt?: number },
    run: () => GraphReply | Promise<GraphReply>,
  ): Promise<GraphReply> {
    const { sentAt: _sentAt, ...fields } = record;
    const entry: RequestRecord = { ...fields, mailbox, bytes, status: 0 };
    state.requests.push(entry);
    if (mailbox === null) {
      const reply = await run();
      entry.status = reply.status;
      return reply;
    }
    const admission = throttle.admit(mailbox, bytes, Date.now(), record.sentAt ?? record.at);
    if (!admission.ok) {
      entry.status = 429;
      entry.retryAfterUntil = admission.notBefore;
      const reply = graphError(
        429,
        'ApplicationThrottled',
        `Application is over its MailboxConcurrency or rate limit: ${admission.reason}.`,
      );
      reply.headers = {
        'retry-after': retryAfterHeader(admission.retryAfterSeconds!, admission.notBefore!, retryFormat),
      };
      return reply;
    }
    try {
      if (latency > 0) await sleep(latency);
      const reply = await run();
      entry.status = reply.status;
      return reply;
    } finally {
      admission.release();
    }
  }

  function dispatch(req: GraphRequest): GraphReply {
    return echoClientRequestId(route(req), req.headers['client-request-id']);
  }

  function route(req: GraphRequest): GraphReply {
    return (
      directory.handle(req) ??
      mail.handle(req) ??
      calendar.handle(req) ??
      contacts.handle(req) ??
      graphError(
        400,
        'BadRequest',
        `Resource not found for the segment '${req.path}' (${req.method}) in the stand-in.`,
      )
    );
  }

  async function graph(req: GraphRequest, sentAt: number = Date.now()): Promise<GraphReply> {
    if (req.path === '/$batch' && req.method === 'POST' && !req.inBatch) return batch(req);
    const bytes = ['POST', 'PUT', 'PATCH'].includes(req.method) ? req.body.length : 0;
    return throttled(
      mailboxOf(req.path),
      bytes,
      { at: Date.now(), sentAt, method: req.method, path: req.path, inBatch: req.inBatch },
      () => dispatch(req),
    );
  }

  async function batch(req: GraphRequest): Promise<GraphReply> {
    let parsed: { requests?: Array<Record<string, unknown>> };
    try {
      parsed = JSON.parse(req.body.toString('utf8')) as typeof parsed;
    } catch {
      return graphError(400, 'BadRequest', 'Invalid batch payload.');
    }
    const list = parsed.requests;
    if (!Array.isArray(list) || list.length === 0)
      return graphError(400, 'BadRequest', 'A batch needs a requests array.');
    if (list.length > MAX_BATCH_REQUESTS) {
      return graphError(
        400,
        'BadRequest',
        `Number of batch request steps exceeds the maximum of ${MAX_BATCH_REQUESTS}.`,
      );
    }
    const problem = batchProblem(list);
    if (problem) return graphError(400, 'BadRequest', problem);
    const sentAt = Date.now();
    state.requests.push({
      at: sentAt,
      method: 'POST',
      path: '/$batch',
      mailbox: null,
      status: 200,
      bytes: req.body.length,
      inBatch: false,
    });
    const responses: unknown[] = new Array(list.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const i = next++;
        const r = list[i]!;
        const url = new URL(String(r.url ?? '').replace(/^\/?/, '/'), 'http://x');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries((r.headers as Record<string, string>) ?? {}))
          headers[k.toLowerCase()] = v;
        const body =
          r.body === undefined
            ? Buffer.alloc(0)
            : typeof r.body === 'string'
              ? Buffer.from(r.body, headers['content-type']?.includes('json') ? 'utf8' : 'base64')
              : Buffer.from(JSON.stringify(r.body));
        const reply = await graph(
          {
            ...req,
            method: String(r.method ?? 'GET').toUpperCase(),
            path: decodeURI(url.pathname),
            query: url.searchParams,
            headers: { ...req.headers, ...headers },
            body,
            inBatch: true,
          },
          sentAt,
        );
        // A binary answer travels base64-encoded inside the batch, with its content type.
        responses[i] = reply.raw
          ? {
              id: r.id,
              status: reply.status,
              headers: { ...(reply.headers ?? {}), 'content-type': reply.raw.contentType },
              body: reply.raw.bytes.toString('base64'),
            }
          : {
              id: r.id,
              status: reply.status,
              headers: reply.headers ?? {},
              body: reply.body ?? undefined,
            };
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_PARALLELISM, list.length) }, worker));
    return { status: 200, body: { responses } };
  }

  const server = createServer((req, res) => {
    void (async () => {
      const host = req.headers.host ?? '127.0.0.1';
      const url = new URL(req.url ?? '/', `http://${host}`);
      const body = await readBody(req);
      const path = url.pathname;
      const oidc = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path);
      if (req.method === 'GET' && oidc)
        return send(res, { status: 200, body: openIdConfiguration(host, oidc[1]!) });
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
      if (req.method === 'POST' && token) {
        const answer = tokens.token(host, token[1]!, new URLSearchParams(body.toString('utf8')));
        return send(res, answer);
      }
      if (req.method === 'GET' && path === SENT_MAIL_PATH)
        return send(res, { status: 200, body: sentMailLog(state) });
      const upload = /^\/upload\/([^/]+)$/.exec(path);
      if (req.method === 'PUT' && upload) {
        const session = state.uploadSessions.get(upload[1]!);
        const mailbox = session ? session.userId.toLowerCase() : null;
        const reply = await throttled(
          mailbox,
          body.length,
          { at: Date.now(), method: 'PUT', path: '/upload', inBatch: false },
          () => mail.uploadChunk(upload[1]!, req.headers['content-range'], body),
        );
        return send(res, reply);
      }
      if (path.startsWith('/v1.0/') || path === '/v1.0') {
        const clientId = tokens.graphCaller(req.headers.authorization);
        if (!clientId) {
          return send(
            res,
            graphError(401, 'InvalidAuthenticationToken', 'Access token is empty, invalid or expired.'),
          );
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const reply = await graph({
          method: req.method ?? 'GET',
          path: decodeURI(path.slice('/v1.0'.length)) || '/',
          query: url.searchParams,
          headers,
          body,
          clientId,
          baseUrl: `http://${host}/v1.0`,
          inBatch: false,
        });
        return send(res, reply);
      }
      send(res, {
        status: 404,
        body: { error: 'not_found', error_description: `No stand-in route for ${path}` },
      });
    })().catch((e: unknown) => {
      if (!res.headersSent)
        send(res, graphError(500, 'InternalServerError', String((e as Error)?.message ?? e)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1.0`,
    tokenUrl: `${origin}/${tenantId}/oauth2/v2.0/token`,
    authorityHost: origin,
    tenantId,
    sentMailUrl: `${origin}${SENT_MAIL_PATH}`,
    state,
    addUser,
    storm: (o) => throttle.storm(o),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
