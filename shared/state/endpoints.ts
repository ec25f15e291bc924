import { z } from 'zod';
import { definedOnly, isoTimestamp, jsonColumn, numberColumn, parseEntity, toJsonColumn, dbl } from './codec';
import { httpStatusOf, stateError } from './errors';
import { ENDPOINTS_PARTITION, endpointRowKey } from './keys';
import { TABLE_NAMES } from './limits';
import {
  ENDPOINT_TYPES,
  endpointInputSchema,
  endpointNameSchema,
  secretRefSchema,
  type Endpoint,
  type EndpointInput,
  type EndpointPatch,
} from './model';
import { retryOnConflict } from './optimistic';
import type { StateTables } from './tables';

const TABLE = TABLE_NAMES.endpoints;

const endpointEntitySchema = z.object({
  etag: z.string(),
  name: z.string().min(1),
  type: z.enum(ENDPOINT_TYPES),
  settings: jsonColumn(z.record(z.string(), z.unknown())),
  secretRef: secretRefSchema.optional(),
  maxConcurrentMigrations: numberColumn,
  createdAt: isoTimestamp,
  updatedAt: isoTimestamp,
});

function toEntity(e: Endpoint) {
  return definedOnly({
    partitionKey: ENDPOINTS_PARTITION,
    rowKey: endpointRowKey(e.name),
    name: e.name,
    type: e.type,
    settings: toJsonColumn(e.settings, 'settings', 'ENDPOINT_INVALID'),
    secretRef: e.secretRef,
    maxConcurrentMigrations: dbl(e.maxConcurrentMigrations),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  });
}

function fromEntity(raw: unknown, rowKey: string): { endpoint: Endpoint; etag: string } {
  const { etag, ...endpoint } = parseEntity(endpointEntitySchema, raw, {
    table: TABLE,
    partitionKey: ENDPOINTS_PARTITION,
    rowKey,
  });
  return { endpoint: definedOnly(endpoint), etag };
}

function notFound(name: string) {
  return stateError(
    'ENDPOINT_NOT_FOUND',
    `There is no endpoint named "${name}". List them with GET /api/endpoints.`,
    {
      endpoint: name,
    },
  );
}

/** Source and target systems (IMAP server, Microsoft Graph tenant...). Names are unique ignoring case. */
export class EndpointRepository {
  constructor(private readonly tables: StateTables) {}

  /** Validates `input` (ENDPOINT_INVALID naming the field) and stores it; ENDPOINT_NAME_TAKEN if the name exists. */
  async create(input: EndpointInput): Promise<Endpoint> {
    const parsed = endpointInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || '(body)';
      throw stateError('ENDPOINT_INVALID', `Endpoint field ${field} ${issue?.message ?? 'is invalid'}.`, {
        field,
      });
    }
    const now = new Date().toISOString();
    const endpoint: Endpoint = definedOnly({ ...parsed.data, createdAt: now, updatedAt: now });
    const table = await this.tables.client(TABLE);
    try {
      await table.createEntity(toEntity(endpoint));
    } catch (err) {
      if (httpStatusOf(err) === 409) {
        throw stateError(
          'ENDPOINT_NAME_TAKEN',
          `An endpoint named "${input.name}" already exists; choose another name.`,
          {
            endpoint: input.name,
          },
        );
      }
      throw err;
    }
    return endpoint;
  }

  async find(name: string): Promise<Endpoint | undefined> {
    return (await this.read(name))?.endpoint;
  }

  async get(name: string): Promise<Endpoint> {
    const found = await this.find(name);
    if (!found) throw notFound(name);
    return found;
  }

  async list(): Promise<Endpoint[]> {
    const table = await this.tables.client(TABLE);
    const out: Endpoint[] = [];
    const rows = table.listEntities({ queryOptions: { filter: `PartitionKey eq '${ENDPOINTS_PARTITION}'` } });
    for await (const raw of rows) out.push(fromEntity(raw, String(raw.rowKey)).endpoint);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Re-reads and re-applies `change` until the ETag-conditional write lands. `undefined` means no change. */
  async update(name: string, change: (current: Endpoint) => EndpointPatch | undefined): Promise<Endpoint> {
    const table = await this.tables.client(TABLE);
    const rowKey = endpointRowKey(name);
    return retryOnConflict({ table: TABLE, partitionKey: ENDPOINTS_PARTITION, rowKey }, async () => {
      const current = await this.read(name);
      if (!current) throw notFound(name);
      const patch = change(current.endpoint);
      if (!patch) return current.endpoint;
      const next: Endpoint = definedOnly({
        ...current.endpoint,
        ...patch,
        name: current.endpoint.name,
        updatedAt: new Date().toISOString(),
      });
      const check = endpointInputSchema.safeParse({
        name: next.name,
        type: next.type,
        settings: next.settings,
        secretRef: next.secretRef,
        maxConcurrentMigrations: next.maxConcurrentMigrations,
      });
      if (!check.success) {
        const field = check.error.issues[0]?.path.join('.') ?? '(body)';
        throw stateError(
          'ENDPOINT_INVALID',
          `Endpoint field ${field} ${check.error.issues[0]?.message ?? 'is invalid'}.`,
          {
            field,
          },
        );
      }
      await table.updateEntity(toEntity(next), 'Replace', { etag: current.etag });
      return next;
    });
  }

  /** Deletes the row; false if there was none. Use `StateStore.deleteEndpoint` to refuse while batches use it. */
  async delete(name: string): Promise<boolean> {
    const table = await this.tables.client(TABLE);
    try {
      await table.deleteEntity(ENDPOINTS_PARTITION, endpointRowKey(name));
      return true;
    } catch (err) {
      if (httpStatusOf(err) === 404) return false;
      throw err;
    }
  }

  private async read(name: string): Promise<{ endpoint: Endpoint; etag: string } | undefined> {
    // A name outside the endpoint charset cannot exist, and must not reach a key (`/`, `#` would break it).
    if (!endpointNameSchema.safeParse(name).success) return undefined;
    const table = await this.tables.client(TABLE);
    const rowKey = endpointRowKey(name);
    try {
      return fromEntity(await table.getEntity(ENDPOINTS_PARTITION, rowKey), rowKey);
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }
}
