import { GRAPH_SCOPE, type TokenProvider } from '../auth/types';
import { BudgetRegistry, type MailboxBudget } from './budget';
import { GraphError, graphErrorFrom, unreachable } from './errors';
import { outcomeUnknown } from './outcome';
import { RETRY_LIMITS, type GraphLimits } from './limits';
import { backoff, retryDeadline, sleep, TRANSIENT_STATUSES } from './retryAfter';
import { headersOf, mailboxOfPath, readJson } from './http';
import { runBatch, type BatchPort, type BatchRequest, type BatchResult } from './batch';

/**
 * Microsoft Graph over Node's global fetch: JSON in and out, `@odata.nextLink` paging, `$batch`,
 * retries on 429/503/504 that never send before Retry-After, and a per-mailbox budget (budget.ts)
 * that keeps each mailbox within Exchange Online's limits. Requests for `/users/{id}/...` are
 * budgeted under that mailbox; address a mailbox the same way (its id) throughout, or pass `mailbox`.
 */
export type { BatchRequest, BatchResult } from './batch';
export { mailboxOfPath } from './http';

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

const IDEMPOTENT = new Set(['GET', 'PUT', 'PATCH', 'DELETE']);

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
        if (
          TRANSIENT_STATUSES.has(res.status) &&
          attempt < this.maxRetries &&
          !(options.once && res.status !== 429)
        ) {
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
    const deadline = retryDeadline(retryAfter, attempt, now);
    if (deadline - now > RETRY_LIMITS.maxRetryAfterMs) return null;
    budget.blockUntil(deadline);
    return deadline - now;
  }

  /**
   * Runs requests through `$batch` (≤ 20 per batch, grouped by mailbox). Throttled sub-requests are
   * sent again after their Retry-After; every other outcome is returned per request, in order.
   */
  batch(requests: BatchRequest[]): Promise<BatchResult[]> {
    return runBatch(this.batchPort, requests);
  }

  /** What the `$batch` runner (batch.ts) uses of this client. */
  private readonly batchPort: BatchPort = {
    baseUrl: () => this.baseUrl,
    stats: () => this.stats,
    maxRetries: () => this.maxRetries,
    budgetFor: (mailbox) => this.budgetFor(mailbox),
    token: () => this.tokens.getToken(this.scope),
    waitAfter: (status, retryAfter, attempt, budget) => this.waitAfter(status, retryAfter, attempt, budget),
  };
}
