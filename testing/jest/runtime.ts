import path from 'node:path';
import { startHost, type Host, type HostOptions } from '../../local/host';

export const projectRoot = path.resolve(__dirname, '..', '..');
export const fixtureApp = path.join(projectRoot, 'test', 'runtime', 'fixture-app', 'index');

/** Starts the embedded host on the fixture app for one test file. */
export function useFixtureHost(options: Partial<HostOptions> = {}): () => Host {
  let host: Host | undefined;
  beforeAll(async () => {
    host = await startHost({
      appRoot: projectRoot,
      appModule: fixtureApp,
      port: 0,
      apiKey: 'test-key',
      ...options,
      // The fixture's routes sit under a route prefix, as the Functions default (`api`) puts them.
      hostOverrides: { routePrefix: 'api', ...options.hostOverrides },
    });
  }, 30000);
  afterAll(async () => {
    await host?.stop();
  });
  return () => {
    if (!host) throw new Error('host did not start');
    return host;
  };
}

export async function api(
  host: Host,
  method: string,
  route: string,
  body?: unknown,
  key = 'test-key',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${host.url}/api/${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { 'x-functions-key': key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
