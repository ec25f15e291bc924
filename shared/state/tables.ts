import type { TableClient } from '@azure/data-tables';
import { tableClient, type StorageSettings } from '../storage/clients';

/**
 * Table clients, each table created on first use. `createTable` is idempotent (the SDK ignores
 * "already exists"); doing it once per process keeps it off the hot path, and a failed attempt is
 * forgotten so the next call tries again.
 */
export class StateTables {
  private readonly ready = new Map<string, Promise<TableClient>>();

  constructor(private readonly settings: StorageSettings) {}

  client(name: string): Promise<TableClient> {
    let p = this.ready.get(name);
    if (!p) {
      const client = tableClient(this.settings, name);
      p = client.createTable().then(() => client);
      p.catch(() => this.ready.delete(name));
      this.ready.set(name, p);
    }
    return p;
  }
}
