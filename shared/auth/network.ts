import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/**
 * msal's network seam, implemented on Node's global fetch (undici) so sign-in and Graph share one
 * HTTP stack and its timeouts.
 *
 * msal only accepts https authorities, and rightly so. The local Graph stand-in speaks plain http on
 * 127.0.0.1. Rather than weakening msal's check, msal is given an https authority on the loopback
 * address and this client, msal's documented injection point, carries requests for exactly those
 * loopback origins over http. Any other origin (every real authority) goes out unchanged over https.
 */
export interface FetchNetworkClientOptions {
  /** `host:port` pairs on a loopback address that are reached over plain http (the stand-in). */
  plainHttpLoopback?: string[];
  /** Per-request timeout when msal does not give one. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

export class FetchNetworkClient implements INetworkModule {
  private readonly plainHttp: Set<string>;
  private readonly timeoutMs: number;

  constructor(options: FetchNetworkClientOptions = {}) {
    for (const hostPort of options.plainHttpLoopback ?? []) {
      const host = hostPort.replace(/:\d+$/, '');
      if (!isLoopbackHost(host)) {
        throw new Error(`plain http is only allowed to a loopback address, not "${hostPort}"`);
      }
    }
    this.plainHttp = new Set(options.plainHttpLoopback ?? []);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private target(url: string): string {
    const u = new URL(url);
    if (u.protocol === 'https:' && this.plainHttp.has(u.host)) u.protocol = 'http:';
    return u.toString();
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const response = await fetch(this.target(url), {
      method,
      headers: options?.headers,
      body: method === 'POST' ? options?.body : undefined,
      signal: AbortSignal.timeout(timeout ?? this.timeoutMs),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await response.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // msal reads error fields from the body; a non-JSON body (a proxy's HTML page) carries none.
      body = { error: 'non_json_response', error_description: `HTTP ${response.status} without JSON body` };
    }
    return { headers, body: body as T, status: response.status };
  }
}
