import type { StorageSettings } from '../storage/clients';
import { BatchRepository } from './batches';
import { EndpointRepository } from './endpoints';
import { stateError } from './errors';
import { MailboxRepository } from './mailboxes';
import { RunRepository } from './runs';
import { StateTables } from './tables';

export interface StateStoreOptions {
  /** Called each time an ETag conflict makes an update read and try again. */
  onConflictRetry?: () => void;
}

export interface StateStore {
  endpoints: EndpointRepository;
  batches: BatchRepository;
  mailboxes: MailboxRepository;
  /** The work lists of batch runs (which mailbox each window slot takes next). */
  runs: RunRepository;
  /**
   * Removes a batch: its mailbox rows and counts first, then the batch row, its name and its stored
   * validation errors (so a crash midway leaves the batch visible and the delete can be repeated).
   * Does not check the status (the caller moves it to Removing first) and does not touch secrets:
   * call `secrets.deletePrefix(batchSecretPrefix(id))` too. False if there was no such batch.
   */
  deleteBatch(id: string): Promise<boolean>;
  /** Deletes an endpoint no batch refers to; ENDPOINT_IN_USE naming the batches otherwise. */
  deleteEndpoint(name: string): Promise<boolean>;
}

/** The state repositories over the Table Storage account of `settings`; tables are created on first use. */
export function createStateStore(settings: StorageSettings, options: StateStoreOptions = {}): StateStore {
  const tables = new StateTables(settings);
  const endpoints = new EndpointRepository(tables);
  const batches = new BatchRepository(tables, options);
  const mailboxes = new MailboxRepository(tables, options);
  const runs = new RunRepository(tables);
  return {
    endpoints,
    batches,
    mailboxes,
    runs,
    async deleteBatch(id) {
      if (!(await batches.find(id))) return false;
      await mailboxes.deleteAll(id);
      await runs.deleteAll(id);
      return batches.delete(id);
    },
    async deleteEndpoint(name) {
      const key = name.toLowerCase();
      const users = (await batches.list()).filter(
        (b) => b.sourceEndpoint.toLowerCase() === key || b.target.toLowerCase() === key,
      );
      if (users.length > 0) {
        throw stateError(
          'ENDPOINT_IN_USE',
          `Endpoint "${name}" is used by batch(es) ${users.map((b) => b.name).join(', ')}; remove those batches first.`,
          { endpoint: name, batches: users.map((b) => ({ id: b.id, name: b.name })) },
        );
      }
      return endpoints.delete(name);
    },
  };
}
