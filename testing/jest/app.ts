/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are read loosely by tests; assertions check their shape */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { startHost, type Host, type HostOptions } from '../../local/host';
import type { RunningDovecot } from '../mail/dovecot';

/** The real function app on the embedded runtime, and the few calls its tests make over and over. */
export const ROOT = path.resolve(__dirname, '..', '..');

export function startApp(apiKey: string, options: Partial<HostOptions> = {}): Promise<Host> {
  return startHost({
    appRoot: ROOT,
    appModule: path.join(ROOT, 'functions', 'index'),
    port: 0,
    apiKey,
    ...options,
    settings: { MAILFERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailferry-app-')), ...options.settings },
  });
}

export type Api = (
  method: string,
  route: string,
  body?: string | object,
) => Promise<{ status: number; json: any }>;

/** Calls `/api/{route}` with the key; a string body is sent as CSV, an object as JSON. */
export function apiFor(host: () => Host, apiKey: string): Api {
  return async (method, route, body) => {
    const res = await fetch(`${host().url}/api/${route}`, {
      method,
      headers: {
        'x-functions-key': apiKey,
        'content-type': typeof body === 'string' ? 'text/csv' : 'application/json',
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
}

/** An admin proxy login (`user*admin`) to a test Dovecot, as the engine makes it. */
export async function imapAs(server: RunningDovecot, user: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    auth: { user: `${user}*${server.admin.user}`, pass: server.admin.password },
    logger: false,
  });
  await client.connect();
  return client;
}

/** Endpoints `source` and `target` for two Dovecots, through the API as an administrator creates them. */
export async function addImapEndpoints(
  api: Api,
  servers: { source: RunningDovecot; target: RunningDovecot },
  extra: { targetSettings?: object; maxConcurrentMigrations?: number } = {},
): Promise<void> {
  for (const name of ['source', 'target'] as const) {
    const server = servers[name];
    const created = await api('POST', 'endpoints', {
      name,
      type: 'imap',
      settings: {
        host: server.host,
        port: server.port,
        security: 'none',
        admin: { user: server.admin.user },
        ...(name === 'target' ? extra.targetSettings : {}),
      },
      password: server.admin.password,
      ...(extra.maxConcurrentMigrations ? { maxConcurrentMigrations: extra.maxConcurrentMigrations } : {}),
    });
    if (created.status !== 201) throw new Error(`endpoint ${name}: ${JSON.stringify(created.json)}`);
  }
}

/** Polls a batch until its status is one of `statuses`. */
export async function batchReaching(
  api: Api,
  id: string,
  statuses: string[],
  timeoutMs = 60_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await api('GET', `batches/${id}`);
    if (json?.batch && statuses.includes(json.batch.status)) return json.batch;
    if (Date.now() > deadline)
      throw new Error(
        `batch ${id} did not reach ${statuses.join('/')}: ${JSON.stringify(json?.batch?.status)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Removal runs as an orchestration: resolves true once the batch is gone. */
export async function batchGone(api: Api, id: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await api('GET', `batches/${id}`)).status === 404) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
