import { CliError, EXIT } from './exit-codes';
import type { Connection } from './connection';

/**
 * A thin HTTP client for the mailferry API. Every failure becomes a CliError: a coded 4xx answer
 * is bad input (its code and message are shown as the service wrote them), a refused connection,
 * a timeout or a 5xx means the service cannot be reached or cannot do the work now.
 */
const REQUEST_TIMEOUT_MS = 60_000;

export interface Problem {
  code: string;
  message: string;
  [k: string]: unknown;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body (sent as application/json) or raw bytes with their content type. */
  json?: unknown;
  raw?: { body: Buffer; contentType: string };
}

export class ApiClient {
  constructor(readonly connection: Connection) {}

  async get<T>(route: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', route, options);
  }

  async post<T>(route: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', route, options);
  }

  async put<T>(route: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', route, options);
  }

  async delete(route: string): Promise<void> {
    await this.request('DELETE', route);
  }

  /** Sends the request; the parsed JSON body on 2xx, a CliError otherwise. */
  async request<T>(method: string, route: string, options: RequestOptions = {}): Promise<T> {
    const { status, body } = await this.send(method, route, options);
    if (status >= 200 && status < 300) return body as T;
    throw errorFor(status, body);
  }

  /** Sends the request and returns status and body whatever the status (for answers a caller reads itself). */
  async send(
    method: string,
    route: string,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.connection.url}/api/${route}`);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {};
    if (this.connection.key) headers['x-functions-key'] = this.connection.key;
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      body = options.raw.body;
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (e) {
      throw new CliError(
        EXIT.unreachable,
        'SERVICE_UNREACHABLE',
        `Cannot reach the mailferry service at ${this.connection.url} (${networkReason(e)}); start it with \`mailferry serve\` or check --url.`,
      );
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed };
  }
}

export function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Problem).code === 'string' &&
    typeof (body as Problem).message === 'string'
  );
}

/** The CliError for a non-2xx answer, with the details a user needs to fix the request. */
export function errorFor(status: number, body: unknown): CliError {
  const problem: Problem = isProblem(body)
    ? body
    : {
        code: `HTTP_${status}`,
        message: typeof body === 'string' && body ? body.slice(0, 300) : `The service answered ${status}.`,
      };
  // 502 with a coded body: the service is fine but the mail server an endpoint names is not
  // answering, which the user fixes in the endpoint (or on that server), not in mailferry.
  const upstream = status === 502 && isProblem(body);
  const exit = status >= 500 && !upstream ? EXIT.unreachable : EXIT.badInput;
  return new CliError(exit, problem.code, problem.message, detailLines(problem));
}

function detailLines(problem: Problem): string[] {
  const lines: string[] = [];
  if (Array.isArray(problem.errors)) {
    for (const e of problem.errors as Array<Record<string, unknown>>) {
      const where = [
        e.row !== undefined ? `row ${String(e.row)}` : '',
        e.column ? `column ${String(e.column)}` : '',
        e.field ? `field ${String(e.field)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `  ${where ? `${where}: ` : ''}${String(e.code ?? '')} ${String(e.message ?? '')}`.trimEnd(),
      );
    }
  }
  if (Array.isArray(problem.allowedActions))
    lines.push(`  allowed now: ${(problem.allowedActions as string[]).join(', ') || 'none'}`);
  return lines;
}

function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (e instanceof Error && e.name === 'TimeoutError')
    return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  return e instanceof Error ? e.message : String(e);
}
