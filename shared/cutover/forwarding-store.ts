import { z } from 'zod';
import type { Services } from '../app/services';
import { mailboxRowKey } from '../state/keys';
import { StateTables } from '../state/tables';
import { httpStatusOf } from '../state/errors';
import { CUTOVER_LIMITS, CUTOVER_TABLE } from './limits';

/**
 * Per mailbox, what forwarding did to the source directory: the user's DN, the targetAddress it had
 * before mailferry touched it (`previous`, absent when it had none), the value mailferry wants, and
 * where that stands. `previous` is written once, before the first change, and never overwritten, so
 * a rerun or a restore always knows the administrator's original value.
 */
export type ForwardingState = 'pending' | 'set' | 'warning' | 'restored';

export interface ForwardingRecord {
  batchId: string;
  email: string;
  state: ForwardingState;
  dn?: string;
  previous?: string;
  /** The previous value was read (it may be absent): restore is possible. */
  previousKnown: boolean;
  wanted?: string;
  code?: string;
  message?: string;
  updatedAt: string;
}

const entitySchema = z.object({
  etag: z.string(),
  email: z.string(),
  state: z.enum(['pending', 'set', 'warning', 'restored']),
  dn: z.string().optional(),
  previous: z.string().optional(),
  previousKnown: z.boolean().default(false),
  wanted: z.string().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  updatedAt: z.string(),
});

const tablesByAccount = new WeakMap<object, StateTables>();

function tables(svc: Services): StateTables {
  let t = tablesByAccount.get(svc.storage);
  if (!t) {
    t = new StateTables(svc.storage);
    tablesByAccount.set(svc.storage, t);
  }
  return t;
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export class ForwardingStore {
  constructor(private readonly svc: Services) {}

  async get(batchId: string, email: string): Promise<ForwardingRecord | undefined> {
    const table = await tables(this.svc).client(CUTOVER_TABLE);
    try {
      const raw = await table.getEntity(batchId, mailboxRowKey(email));
      const { etag: _etag, ...e } = entitySchema.parse(raw);
      return defined({ batchId, ...e });
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Writes the record whole (upsert): callers keep `previous` from the record they read. */
  async put(record: Omit<ForwardingRecord, 'updatedAt'>): Promise<ForwardingRecord> {
    const table = await tables(this.svc).client(CUTOVER_TABLE);
    const full: ForwardingRecord = defined({
      ...record,
      message: record.message?.slice(0, CUTOVER_LIMITS.maxMessageChars),
      updatedAt: new Date().toISOString(),
    });
    const { batchId, ...rest } = full;
    await table.upsertEntity(
      defined({ partitionKey: batchId, rowKey: mailboxRowKey(record.email), ...rest }),
      'Replace',
    );
    return full;
  }

  async list(batchId: string): Promise<ForwardingRecord[]> {
    const table = await tables(this.svc).client(CUTOVER_TABLE);
    const out: ForwardingRecord[] = [];
    const rows = table.listEntities({
      queryOptions: { filter: `PartitionKey eq '${batchId.replace(/'/g, "''")}'` },
    });
    for await (const raw of rows) {
      const { etag: _etag, ...e } = entitySchema.parse(raw);
      out.push(defined({ batchId, ...e }));
    }
    return out;
  }

  /** Deletes the batch's records (those `keep` says no to, when given). */
  async deleteBatch(batchId: string, keep: (r: ForwardingRecord) => boolean = () => false): Promise<void> {
    const table = await tables(this.svc).client(CUTOVER_TABLE);
    for (const r of (await this.list(batchId)).filter((x) => !keep(x))) {
      await table.deleteEntity(batchId, mailboxRowKey(r.email)).catch((err: unknown) => {
        if (httpStatusOf(err) !== 404) throw err;
      });
    }
  }
}
