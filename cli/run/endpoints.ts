import type { Endpoint } from '../../shared/state';
import { errorFor, type ApiClient } from '../api-client';
import { badInput } from '../exit-codes';
import type { EndpointRequest } from './config';

/**
 * Makes the service's endpoints match the config: one listing, then each endpoint is created,
 * kept or replaced, all at once (a rerun with an unchanged config costs the listing only). The
 * API has no update: an existing endpoint with other settings is removed and created again, which
 * the service refuses while a batch uses it (then the config and the data folder disagree: bad
 * input). An existing endpoint with the same settings is kept as it is, password included (a
 * password cannot be read back).
 */
export async function ensureEndpoints(
  client: ApiClient,
  reqs: EndpointRequest[],
): Promise<Array<'created' | 'kept' | 'replaced'>> {
  const { endpoints } = await client.get<{ endpoints: Endpoint[] }>('endpoints');
  return Promise.all(
    reqs.map((req) =>
      ensureEndpoint(
        client,
        req,
        endpoints.find((e) => e.name.toLowerCase() === req.name.toLowerCase()),
      ),
    ),
  );
}

async function ensureEndpoint(
  client: ApiClient,
  req: EndpointRequest,
  existing: Endpoint | undefined,
): Promise<'created' | 'kept' | 'replaced'> {
  if (existing && sameEndpoint(existing, req)) return 'kept';
  if (existing) {
    const removed = await client.send('DELETE', `endpoints/${encodeURIComponent(req.name)}`);
    if (removed.status === 409)
      throw badInput(
        'ENDPOINT_IN_USE',
        `The "${req.name}" endpoint in this --data folder has other settings than the config, and a batch uses it, so it cannot be changed; run with a new --data folder.`,
      );
    if (removed.status >= 300 && removed.status !== 404) throw endpointError(req.name, removed);
  }
  const created = await client.send('POST', 'endpoints', { json: req });
  if (created.status !== 201) throw endpointError(req.name, created);
  return existing ? 'replaced' : 'created';
}

function endpointError(name: string, answer: { status: number; body: unknown }): Error {
  const err = errorFor(answer.status, answer.body);
  err.message = `the config's ${name}: ${err.message}`;
  return err;
}

function sameEndpoint(existing: Endpoint, req: EndpointRequest): boolean {
  return (
    existing.type === req.type &&
    (req.maxConcurrentMigrations === undefined ||
      existing.maxConcurrentMigrations === req.maxConcurrentMigrations) &&
    canonical(withoutPimSecrets(existing.settings)) === canonical(req.settings)
  );
}

/** The service adds `password: "secret:..."` to the dav / ews blocks; the config never has it. */
function withoutPimSecrets(settings: Record<string, unknown>): Record<string, unknown> {
  const out = { ...settings };
  for (const kind of ['dav', 'ews']) {
    const block = out[kind];
    if (block && typeof block === 'object') {
      const { password: _password, ...rest } = block as Record<string, unknown>;
      out[kind] = rest;
    }
  }
  return out;
}

/** JSON with object keys sorted, so settings compare by content, not key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
