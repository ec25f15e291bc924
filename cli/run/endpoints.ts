import type { Endpoint } from '../../shared/state';
import { errorFor, isProblem, type ApiClient } from '../api-client';
import { badInput } from '../exit-codes';
import type { EndpointRequest } from './config';

/**
 * Makes the service's endpoint `req.name` match the config. The API has no update: an existing
 * endpoint with other settings is removed and created again, which the service refuses while a
 * batch uses it (then the config and the data folder disagree: bad input). An existing endpoint
 * with the same settings is kept as it is, password included (a password cannot be read back).
 */
export async function ensureEndpoint(
  client: ApiClient,
  req: EndpointRequest,
): Promise<'created' | 'kept' | 'replaced'> {
  const first = await client.send('POST', 'endpoints', { json: req });
  if (first.status === 201) return 'created';
  if (!isProblem(first.body) || first.body.code !== 'ENDPOINT_NAME_TAKEN')
    throw endpointError(req.name, first);
  const { endpoints } = await client.get<{ endpoints: Endpoint[] }>('endpoints');
  const existing = endpoints.find((e) => e.name.toLowerCase() === req.name.toLowerCase());
  if (existing && sameEndpoint(existing, req)) return 'kept';
  const removed = await client.send('DELETE', `endpoints/${encodeURIComponent(req.name)}`);
  if (removed.status === 409)
    throw badInput(
      'ENDPOINT_IN_USE',
      `The "${req.name}" endpoint in this --data folder has other settings than the config, and a batch uses it, so it cannot be changed; run with a new --data folder.`,
    );
  if (removed.status >= 300 && removed.status !== 404) throw endpointError(req.name, removed);
  const again = await client.send('POST', 'endpoints', { json: req });
  if (again.status !== 201) throw endpointError(req.name, again);
  return 'replaced';
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
