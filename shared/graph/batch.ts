import type { MailboxBudget } from './budget';
import type { GraphClientStats } from './client';
import { GraphError, graphErrorFrom, unreachable } from './errors';
import { BATCH_LIMITS, RETRY_LIMITS } from './limits';
import { outcomeUnknown } from './outcome';
import { retryDeadline, sleep, TRANSIENT_STATUSES } from './retryAfter';
import { mailboxOfPath, readJson } from './http';

/**
 * Graph's JSON batching (`POST /$batch`): up to 20 requests in one HTTP request, grouped by
 * mailbox so each group is budgeted under its mailbox. Sub-requests answered 429/503/504 are sent
 * again in a later batch after their Retry-After; every other outcome is returned per request.
 */
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

/** What the runner uses of the GraphClient: its budgets, counters, token and transient waits. */
export interface BatchPort {
  baseUrl(): string;
  stats(): GraphClientStats;
  maxRetries(): number;
  budgetFor(mailbox: string | undefined): MailboxBudget;
  token(): Promise<string>;
  /** Blocks `budget` until the answer's Retry-After and returns the wait, or null if too long. */
  waitAfter(status: number, retryAfter: string | null, attempt: number, budget: MailboxBudget): number | null;
}

interface SubResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface BatchStep {
  id: string;
  method: BatchRequest['method'];
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export async function runBatch(port: BatchPort, requests: BatchRequest[]): Promise<BatchResult[]> {
  const results: BatchResult[] = new Array(requests.length);
  const groups = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const key = mailboxOfPath(r.url) ?? '';
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const tasks: Promise<void>[] = [];
  for (const [key, indexes] of groups) {
    for (let i = 0; i < indexes.length; i += BATCH_LIMITS.maxRequests) {
      const group = indexes.slice(i, i + BATCH_LIMITS.maxRequests);
      tasks.push(runGroup(port, requests, group, key || undefined, results));
    }
  }
  await Promise.all(tasks);
  return results;
}

/** One mailbox's group of at most 20, sent again (its throttled part) until every request has a result. */
async function runGroup(
  port: BatchPort,
  all: BatchRequest[],
  indexes: number[],
  mailbox: string | undefined,
  results: BatchResult[],
): Promise<void> {
  const budget = port.budgetFor(mailbox);
  let pending = indexes;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const steps = pending.map((i) => stepOf(all[i]!, i));
    const bytes = steps.reduce(
      (s, st) => s + ('body' in st ? Buffer.byteLength(JSON.stringify(st.body)) : 0),
      0,
    );
    const release = await budget.acquire({
      slots: Math.min(BATCH_LIMITS.parallelism, steps.length),
      requests: steps.length,
      bytes,
    });
    let responses: SubResponse[];
    try {
      port.stats().operations += steps.length;
      port.stats().uploadedBytes += bytes;
      const answer = await sendBatch(
        port,
        steps,
        pending.some((i) => all[i]!.once),
      );
      responses = answer.responses ?? [];
    } catch (e) {
      release();
      throw e;
    }
    const round = settle(port, all, responses, attempt, results);
    for (const i of pending) if (!results[i] && !round.retry.includes(i)) results[i] = missing(all[i]!);
    // Block the mailbox before giving the slots back, so no queued request slips out early.
    if (round.retry.length > 0 || round.givenUp > 0)
      budget.blockUntil(Math.max(round.deadline, round.givenUp));
    release();
    if (round.retry.length > 0) {
      port.stats().retries += round.retry.length;
      await sleep(round.deadline - Date.now());
    }
    pending = round.retry;
  }
}

function stepOf(r: BatchRequest, i: number): BatchStep {
  const headers = { ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers };
  return {
    id: String(i),
    method: r.method,
    url: r.url.startsWith('/') ? r.url : `/${r.url}`,
    headers,
    ...(r.body !== undefined ? { body: r.body } : {}),
  };
}

/**
 * One answer's sub-responses into results; the throttled ones that may be retried are returned
 * with the time to retry them (`deadline`), and `givenUp` is the Retry-After of throttled ones
 * given up on, which the mailbox still waits out.
 */
function settle(
  port: BatchPort,
  all: BatchRequest[],
  responses: SubResponse[],
  attempt: number,
  results: BatchResult[],
): { retry: number[]; deadline: number; givenUp: number } {
  const retry: number[] = [];
  let deadline = 0;
  let givenUp = 0;
  for (const r of responses) {
    const i = Number(r.id);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const req = all[i]!;
    const body = r.body ?? null;
    if (req.once && (r.status === 503 || r.status === 504)) {
      results[i] = { status: r.status, body, headers, error: outcomeUnknown(req.method, req.url, r.status) };
      continue;
    }
    const retryable = TRANSIENT_STATUSES.has(r.status) && attempt < port.maxRetries();
    if (retryable || r.status === 429) {
      if (r.status === 429 && retryable) port.stats().throttled++;
      const now = Date.now();
      const d = retryDeadline(headers['retry-after'], attempt, now);
      const waitable = d - now <= RETRY_LIMITS.maxRetryAfterMs;
      if (retryable && waitable) {
        retry.push(i);
        deadline = Math.max(deadline, d);
        continue;
      }
      if (!retryable && waitable) givenUp = Math.max(givenUp, d);
    }
    const ok = r.status >= 200 && r.status < 300;
    results[i] = {
      status: r.status,
      body,
      headers,
      ...(ok ? {} : { error: graphErrorFrom(req.method, req.url, r.status, body) }),
    };
  }
  return { retry, deadline, givenUp };
}

/** A request the batch answer left out: failed, never silently dropped. */
function missing(req: BatchRequest): BatchResult {
  return {
    status: 0,
    body: null,
    headers: {},
    error: graphErrorFrom(req.method, req.url, 500, {
      error: { code: 'MissingBatchResponse', message: 'The batch answer had no response for this request.' },
    }),
  };
}

/** The $batch POST itself, with its own transient retries (it carries no mailbox budget of its own). */
async function sendBatch(
  port: BatchPort,
  steps: BatchStep[],
  once: boolean,
): Promise<{ responses?: SubResponse[] }> {
  const payload = JSON.stringify({ requests: steps });
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      port.stats().httpRequests++;
      res = await fetch(`${port.baseUrl()}/$batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${await port.token()}`,
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
    if (res.ok) return body as { responses?: SubResponse[] };
    // A $batch that creates items, answered 503/504: its sub-requests may have run.
    if (once && (res.status === 503 || res.status === 504))
      throw outcomeUnknown('POST', '/$batch', res.status);
    if (TRANSIENT_STATUSES.has(res.status) && attempt < port.maxRetries()) {
      const wait = port.waitAfter(
        res.status,
        res.headers.get('retry-after'),
        attempt,
        port.budgetFor(undefined),
      );
      if (wait !== null) {
        await sleep(wait);
        continue;
      }
    }
    throw graphErrorFrom('POST', '/$batch', res.status, body);
  }
}
