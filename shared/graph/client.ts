import { GRAPH_SCOPE, type TokenProvider } from '../auth/types';
import { BudgetRegistry, type MailboxBudget } from './budget';
import { GraphError, graphErrorFrom, unreachable } from './errors';
import { outcomeUnknown } from './outcome';
import { BATCH_LIMITS, RETRY_LIMITS, type GraphLimits } from './limits';
import { retryAfterDeadline } from './retryAfter';

/**
 * Microsoft Graph over Node's global fetch: JSON in and out, `@odata.nextLink` paging, `$batch`,
 * retries on 429/503/504 that never send before Retry-After, and a per-mailbox budget (budget.ts)
 * that keeps each mailbox within Exchange Online's limits. Requests for `/users/{id}/...` are
 * budgeted under that mailbox; address a mailbox the same way (its id) throughout, or pass `mailbox`.
 */
export interface GraphClientOptions {
  /** https://graph.microsoft.com/v1.0, or the stand-in's URL. */
  baseUrl: string;
  tokens: TokenProvider;
  scope?: string;
  /** Share one registry across clients so all of a process's requests to a mailbox share its budget. */
  budgets?: BudgetRegistry;
  limits?: GraphLimits;
  maxRetries?: number;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Budget key; defaults to the `{id}` of a `/users/{id}/...` path. */
  mailbox?: string;
  /**
   * The request creates something and must not be sent twice: after a 503/504 or a lost answer it
   * may or may not have been carried out, so the client throws GRAPH_OUTCOME_UNKNOWN instead of
   * retrying, and the caller looks the item up by its key. (429 is still retried: Graph does not
   * carry out a throttled request.)
   */
  once?: boolean;
}

export interface BatchRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the base URL, e.g. `/users/{id}/messages?$select=id`. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** As RequestOptions.once: a 503/504 answer, or a lost answer to the whole $batch, is not retried. */
  once?: boolean;
}

export interface BatchResult {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Set when status is not 2xx (after retries of throttled sub-requests). */
  error?: GraphError;
}

/** Counters for benchmarks and reports. */
export interface GraphClientStats {
  /** HTTP requests sent (a $batch counts once). */
  httpRequests: number;
  /** Graph operations (each $batch sub-request counts). */
  operations: number;
  throttled: number;
  retries: number;
  uploadedBytes: number;
}

const TRANSIENT = new Set([429, 503, 504]);
const IDEMPOTENT = new Set(['GET', 'PUT', 'PATCH', 'DELETE']);

export function mailboxOfPath(path: string): string | undefined {
  const m = /^\/?users\/([^/?]+)\//i.exec(path);
  return m ? decodeURIComponent(m[1]!).toLowerCase() : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function backoff(attempt: number): number {
  return Math.min(RETRY_LIMITS.maxBackoffMs, RETRY_LIMITS.firstBackoffMs * 2 ** attempt);
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'NonJsonResponse', message: `HTTP ${res.status} without a JSON body` } };
  }
}

function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k] = v));
  return out;
}

export class GraphClient {
  readonly baseUrl: string;
  readonly budgets: BudgetRegistry;
  readonly stats: GraphClientStats = {
    httpRequests: 0,
    operations: 0,
    throttled: 0,
    retries: 0,
    uploadedBytes: 0,
  };
  private readonly tokens: TokenProvider;
  private readonly scope: string;
  private readonly maxRetries: number;
  /** Requests with no mailbox (directory calls) share this budget. */
  private static readonly TENANT_KEY = '#tenant';

  constructor(options: GraphClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.tokens = options.tokens;
    this.scope = options.scope ?? GRAPH_SCOPE;
    this.budgets = options.budgets ?? new BudgetRegistry(options.limits);
    this.maxRetries = options.maxRetries ?? RETRY_LIMITS.maxRetries;
  }

  budgetFor(mailbox: string | undefined): MailboxBudget {
    return this.budgets.for(mailbox ?? GraphClient.TENANT_KEY);
  }

  private url(pathOrUrl: string): string {
    return /^https?:\/\//.test(pathOrUrl)
      ? pathOrUrl
      : `${this.baseUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  /**
   * Sends one request within the mailbox budget, retrying 429/503/504 (and network failures of
   * idempotent methods) no earlier than Retry-After. Throws a GraphError for any other failure.
   */
  async request<T = unknown>(method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, pathOrUrl, options, true);
    return res.body as T;
  }

  get<T = unknown>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }
  post<T = unknown>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
  patch<T = unknown>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }
  delete(path: string, options?: RequestOptions): Promise<unknown> {
    return this.request('DELETE', path, options);
  }

  /** Every page of a collection, following `@odata.nextLink`. */
  async *pages<T>(path: string, options: RequestOptions = {}): AsyncGenerator<T[]> {
    let next: string | undefined = path;
    const mailbox = options.mailbox ?? mailboxOfPath(path);
    while (next) {
      const page: { value?: T[]; '@odata.nextLink'?: string } = await this.request('GET', next, {
        ...options,
        mailbox,
      });
      yield page.value ?? [];
      next = page['@odata.nextLink'];
    }
  }

  /** All items of a collection (use pages() for large ones). */
  async all<T>(path: string, options: RequestOptions = {}): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.pages<T>(path, options)) out.push(...page);
    return out;
  }

  /**
   * PUTs raw bytes to an upload-session URL (which carries its own credential: no bearer token is
   * sent). Counted against `mailbox`'s upload budget.
   */
  async uploadChunk(
    uploadUrl: string,
    bytes: Buffer,
    start: number,
    total: number,
    mailbox: string,
  ): Promise<{ status: number; body: unknown }> {
    return this.send(
      'PUT',
      uploadUrl,
      {
        body: bytes,
        mailbox,
        headers: {
          'content-range': `bytes ${start}-${start + bytes.length - 1}/${total}`,
          'content-type': 'application/octet-stream',
        },
      },
      false,
    );
  }

  private async send(
    method: string,
    pathOrUrl: string,
    options: RequestOptions,
    authorize: boolean,
  ): Promise<{ status: number; body: unknown; headers: Record<string, string> }> {
    const url = this.url(pathOrUrl);
    const mailbox = options.mailbox ?? mailboxOfPath(url.slice(this.baseUrl.length));
    const budget = this.budgetFor(mailbox);
    const raw = Buffer.isBuffer(options.body);
    const payload =
      options.body === undefined
        ? undefined
        : raw
          ? (options.body as Buffer)
          : Buffer.from(JSON.stringify(options.body));
    const bytes = payload?.length ?? 0;
    for (let attempt = 0; ; attempt++) {
      const release = await budget.acquire({ slots: 1, requests: 1, bytes });
      let res: Response;
      try {
        const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
        if (payload && !raw) headers['content-type'] = 'application/json';
        if (authorize) headers.authorization = `Bearer ${await this.tokens.getToken(this.scope)}`;
        this.stats.httpRequests++;
        this.stats.operations++;
        this.stats.uploadedBytes += bytes;
        res = await fetch(url, {
          method,
          headers,
          body: payload,
          signal: AbortSignal.timeout(RETRY_LIMITS.requestTimeoutMs),
        });
      } catch (err) {
        release();
        if (err instanceof GraphError || (err as { code?: string })?.code?.startsWith?.('AUTH_')) throw err;
        if (IDEMPOTENT.has(method) && attempt < this.maxRetries) {
          this.stats.retries++;
          await sleep(backoff(attempt));
          continue;
        }
        throw options.once ? outcomeUnknown(method, url, 0) : unreachable(method, url, err);
      }
      let body: unknown;
      let wait: number | null = null;
      try {
        body = await readJson(res);
        // Block the mailbox *before* giving the slot back, so no queued request slips out early.
        if (TRANSIENT.has(res.status) && attempt < this.maxRetries && !(options.once && res.status !== 429)) {
          wait = this.waitAfter(res.status, res.headers.get('retry-after'), attempt, budget);
        } else if (res.status === 429) {
          // Given up on, but the mailbox still waits out Retry-After: nobody else sends early.
          this.waitAfter(res.status, res.headers.get('retry-after'), attempt, budget);
        }
      } finally {
        release();
      }
      if (res.ok) return { status: res.status, body, headers: headersOf(res) };
      if (options.once && (res.status === 503 || res.status === 504))
        throw outcomeUnknown(method, url, res.status);
      if (wait !== null) {
        this.stats.retries++;
        await sleep(wait);
        continue;
      }
      throw graphErrorFrom(method, url, res.status, body);
    }
  }

  /**
   * After a transient answer: blocks the mailbox until Retry-After (or a backoff) and returns how
   * long to wait, or null when the server asks for longer than we wait in-process.
   */
  private waitAfter(
    status: number,
    retryAfter: string | null,
    attempt: number,
    budget: MailboxBudget,
  ): number | null {
    if (status === 429) this.stats.throttled++;
    const now = Date.now();
    // A small margin: the server's clock started its Retry-After a little before ours did.
    const deadline = (retryAfterDeadline(retryAfter, now) ?? now + backoff(attempt)) + 20;
    if (deadline - now > RETRY_LIMITS.maxRetryAfterMs) return null;
    budget.blockUntil(deadline);
    return deadline - now;
  }

  /**
   * Runs requests through `$batch` (≤ 20 per batch, grouped by mailbox). Throttled sub-requests are
   * sent again after their Retry-After; every other outcome is returned per request, in order.
   */
  async batch(requests: BatchRequest[]): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array(requests.length);
    const groups = new Map<string, number[]>();
    requests.forEach((r, i) => {
      const key = mailboxOfPath(r.url) ?? '';
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const tasks: Promise<void>[] = [];
    for (const [key, indexes] of groups) {
      for (let i = 0; i < indexes.length; i += BATCH_LIMITS.maxRequests) {
        tasks.push(
          this.runBatch(requests, indexes.slice(i, i + BATCH_LIMITS.maxRequests), key || undefined, results),
        );
      }
    }
    await Promise.all(tasks);
    return results;
  }

  private async runBatch(
    all: BatchRequest[],
    indexes: number[],
    mailbox: string | undefined,
    results: BatchResult[],
  ): Promise<void> {
    const budget = this.budgetFor(mailbox);
    let pending = indexes;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const steps = pending.map((i) => {
        const r = all[i]!;
        const headers = {
          ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...r.headers,
        };
        return {
          id: String(i),
          method: r.method,
          url: r.url.startsWith('/') ? r.url : `/${r.url}`,
          headers,
          ...(r.body !== undefined ? { body: r.body } : {}),
        };
      });
      const bytes = steps.reduce(
        (s, st) => s + ('body' in st ? Buffer.byteLength(JSON.stringify(st.body)) : 0),
        0,
      );
      const release = await budget.acquire({
        slots: Math.min(BATCH_LIMITS.parallelism, steps.length),
        requests: steps.length,
        bytes,
      });
      let answer: {
        responses?: Array<{ id: string; status: number; headers?: Record<string, string>; body?: unknown }>;
      };
      try {
        this.stats.operations += steps.length;
        this.stats.uploadedBytes += bytes;
        answer = await this.sendBatch(
          steps,
          pending.some((i) => all[i]!.once),
        );
      } catch (e) {
        release();
        throw e;
      }
      const retry: number[] = [];
      let deadline = 0;
      // Throttled sub-requests given up on: the mailbox still waits out their Retry-After.
      let givenUp = 0;
      for (const r of answer.responses ?? []) {
        const i = Number(r.id);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
        const req = all[i]!;
        if (req.once && (r.status === 503 || r.status === 504)) {
          results[i] = {
            status: r.status,
            body: r.body ?? null,
            headers,
            error: outcomeUnknown(req.method, req.url, r.status),
          };
          continue;
        }
        if (TRANSIENT.has(r.status) && attempt < this.maxRetries) {
          if (r.status === 429) this.stats.throttled++;
          const now = Date.now();
          const d = (retryAfterDeadline(headers['retry-after'], now) ?? now + backoff(attempt)) + 20;
          if (d - now <= RETRY_LIMITS.maxRetryAfterMs) {
            retry.push(i);
            deadline = Math.max(deadline, d);
            continue;
          }
        } else if (r.status === 429) {
          const now = Date.now();
          const d = (retryAfterDeadline(headers['retry-after'], now) ?? now + backoff(attempt)) + 20;
          if (d - now <= RETRY_LIMITS.maxRetryAfterMs) givenUp = Math.max(givenUp, d);
        }
        const ok = r.status >= 200 && r.status < 300;
        results[i] = {
          status: r.status,
          body: r.body ?? null,
          headers,
          ...(ok ? {} : { error: graphErrorFrom(req.method, req.url, r.status, r.body ?? null) }),
        };
      }
      for (const i of pending) {
        if (!results[i] && !retry.includes(i)) {
          const req = all[i]!;
          results[i] = {
            status: 0,
            body: null,
            headers: {},
            error: graphErrorFrom(req.method, req.url, 500, {
              error: {
                code: 'MissingBatchResponse',
                message: 'The batch answer had no response for this request.',
              },
            }),
          };
        }
      }
      // Block the mailbox before giving the slots back, so no queued request slips out early.
      if (retry.length > 0 || givenUp > 0) budget.blockUntil(Math.max(deadline, givenUp));
      release();
      if (retry.length > 0) {
        this.stats.retries += retry.length;
        await sleep(deadline - Date.now());
      }
      pending = retry;
    }
  }

  /** The $batch POST itself, with its own transient retries (it carries no mailbox budget of its own). */
  private async sendBatch(
    steps: unknown[],
    once: boolean,
  ): Promise<{
    responses?: Array<{ id: string; status: number; headers?: Record<string, string>; body?: unknown }>;
  }> {
    const payload = JSON.stringify({ requests: steps });
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        this.stats.httpRequests++;
        res = await fetch(`${this.baseUrl}/$batch`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            authorization: `Bearer ${await this.tokens.getToken(this.scope)}`,
          },
          body: payload,
          signal: AbortSignal.timeout(RETRY_LIMITS.requestTimeoutMs),
        });
      } catch (err) {
        if ((err as { code?: string })?.code?.startsWith?.('AUTH_')) throw err;
        // Not retried: sub-requests may have run; the caller's idempotency (findByKey) decides.
        throw once ? outcomeUnknown('POST', '/$batch', 0) : unreachable('POST', '/$batch', err);
      }
      const body = await readJson(res);
      if (res.ok) return body as { responses?: [] };
      // A $batch that creates items, answered 503/504: its sub-requests may have run.
      if (once && (res.status === 503 || res.status === 504))
        throw outcomeUnknown('POST', '/$batch', res.status);
      if (TRANSIENT.has(res.status) && attempt < this.maxRetries) {
        const wait = this.waitAfter(
          res.status,
          res.headers.get('retry-after'),
          attempt,
          this.budgetFor(undefined),
        );
        if (wait !== null) {
          await sleep(wait);
          continue;
        }
      }
      throw graphErrorFrom('POST', '/$batch', res.status, body);
    }
  }
}
