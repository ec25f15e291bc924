import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { decodeEvents, encodeEvents, type FailureDetails, type HistoryEvent } from './history';
import { getChunks, putChunks, splitForEntities } from './chunked';
import { GroupCommitter } from './group-commit';
import { MAX_TX_OPS } from './limits';
import {
  historyPrefix,
  inboxPrefix,
  instancePrefix,
  pad,
  partitionOf,
  STATE_KIND,
  stateRowKey,
  upperBound,
} from './store-keys';

/**
 * Durable instance state in Table Storage. An instance's rows (its state row, its history: one row
 * per episode, append-only, and its inbox of raised events) share one partition (store-keys.ts),
 * so that an episode's history and the instance's new state commit in one entity-group
 * transaction: a crash leaves either the whole episode or none of it. Instances hashed to the same
 * partition share transactions when they commit at the same moment (group-commit.ts).
 */
export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'Suspended';
export const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export interface RetryOptionsWire {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** A task being retried: what to run again and how many attempts have been made. */
export interface RetryState {
  kind: 'activity' | 'subOrchestration';
  name: string;
  input: string | undefined;
  instanceId?: string;
  attempt: number;
  firstAttemptAt: string;
  options: RetryOptionsWire;
  exhausted?: boolean;
}

/** What the engine needs to continue an instance after a restart, besides its history. */
export interface Bookkeeping {
  /** One signature per action already turned into history, in yield order (determinism check). */
  signatures: string[];
  /** The next task id, mirroring the replay's sequence numbers. */
  nextEventId: number;
  /** Episodes written for the current execution. */
  episodes: number;
  /** Retryable tasks in flight, by task id, and their backoff timers, by timer id. */
  retries: Record<string, RetryState>;
  retryTimers: Record<string, RetryState>;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  input: string | undefined;
  output: string | undefined;
  customStatus: string | undefined;
  failure?: FailureDetails;
  createdTime: string;
  lastUpdatedTime: string;
  parentInstanceId?: string;
  parentTaskId?: number;
  book: Bookkeeping;
}

export interface InboxItem {
  rowKey: string;
  event: HistoryEvent;
}

/** A create found an instance of the same id already stored. */
export class InstanceExistsError extends Error {
  constructor(readonly instanceId: string) {
    super(`instance ${instanceId} already exists`);
  }
}

function isAlreadyExists(e: unknown): boolean {
  const err = e as { statusCode?: number; code?: string; message?: string };
  return (
    err.statusCode === 409 ||
    err.code === 'EntityAlreadyExists' ||
    /EntityAlreadyExists/.test(err.message ?? '')
  );
}

export function emptyBook(): Bookkeeping {
  return { signatures: [], nextEventId: 0, episodes: 0, retries: {}, retryTimers: {} };
}

export class InstanceStore {
  private readonly committer: GroupCommitter;

  constructor(private readonly table: TableClient) {
    this.committer = new GroupCommitter((actions) => this.table.submitTransaction(actions));
  }

  async init(): Promise<void> {
    await this.table.createTable();
  }

  /**
   * Writes one episode: new history events, the instance's state, and removes consumed inbox rows,
   * all in one transaction (shared with other instances' episodes written at the same moment).
   * With `create`, the state row must not exist yet: the transaction then fails with an
   * InstanceExistsError instead of overwriting another instance of the same id.
   */
  async commit(
    record: InstanceRecord,
    newEvents: HistoryEvent[],
    consumedInbox: string[] = [],
    options: { create?: boolean } = {},
  ): Promise<void> {
    const { instanceId } = record;
    const pk = partitionOf(instanceId);
    const actions: TransactionAction[] = [];
    if (newEvents.length) {
      const episode = record.book.episodes++;
      splitForEntities(encodeEvents(newEvents)).forEach((part, i) => {
        const entity: TableEntity = {
          partitionKey: pk,
          rowKey: `${historyPrefix(instanceId, record.executionId)}${pad(episode)}-${i}`,
        };
        putChunks(entity, 'e', part);
        actions.push(['upsert', entity, 'Replace']);
      });
    }
    const state = this.toEntity(record);
    actions.push(options.create ? ['create', state] : ['upsert', state, 'Replace']);
    const deletes = consumedInbox.map((rowKey): TransactionAction => [
      'delete',
      { partitionKey: pk, rowKey: `${instancePrefix(instanceId)}${rowKey}` },
    ]);
    const first = [...actions, ...deletes.splice(0, Math.max(0, MAX_TX_OPS - actions.length))];
    try {
      await this.committer.commit(pk, first);
    } catch (e) {
      if (options.create && isAlreadyExists(e)) throw new InstanceExistsError(instanceId);
      throw e;
    }
    // Extra inbox deletions are idempotent: re-applying an event already in history is prevented by
    // removing the row; the rare overflow beyond one transaction is cleaned in follow-up batches.
    while (deletes.length) await this.committer.commit(pk, deletes.splice(0, MAX_TX_OPS));
  }

  async get(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(
        partitionOf(instanceId),
        stateRowKey(instanceId),
      );
      return this.fromEntity(entity);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async history(instanceId: string, executionId: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let json = '';
    let currentEpisode: string | undefined;
    const flush = (): void => {
      if (json) events.push(...decodeEvents(json));
      json = '';
    };
    for await (const row of this.rows(instanceId, historyPrefix(instanceId, executionId))) {
      const rowKey = String(row.rowKey);
      const episode = rowKey.slice(0, rowKey.lastIndexOf('-'));
      if (episode !== currentEpisode) {
        flush();
        currentEpisode = episode;
      }
      json += getChunks(row, 'e') ?? '';
    }
    flush();
    return events;
  }

  async inbox(instanceId: string): Promise<InboxItem[]> {
    const items: InboxItem[] = [];
    const own = instancePrefix(instanceId).length;
    for await (const row of this.rows(instanceId, inboxPrefix(instanceId))) {
      const [event] = decodeEvents(getChunks(row, 'e') ?? '[]');
      if (event) items.push({ rowKey: String(row.rowKey).slice(own), event });
    }
    return items;
  }

  /** Durably records an event for an instance before it is applied (raise event, terminate). */
  async addInbox(instanceId: string, event: HistoryEvent, rowKey: string): Promise<void> {
    const entity: TableEntity = {
      partitionKey: partitionOf(instanceId),
      rowKey: `${instancePrefix(instanceId)}${rowKey}`,
    };
    putChunks(entity, 'e', encodeEvents([event]));
    await this.table.createEntity(entity);
  }

  async list(filter: { statuses?: RuntimeStatus[] } = {}): Promise<InstanceRecord[]> {
    const rows = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`kind eq ${STATE_KIND}` },
    });
    const out: InstanceRecord[] = [];
    for await (const row of rows) {
      const rec = this.fromEntity(row);
      if (!filter.statuses || filter.statuses.includes(rec.runtimeStatus)) out.push(rec);
    }
    return out;
  }

  /** Deletes every row of the instance: state, history of all executions, inbox. */
  async purge(instanceId: string): Promise<boolean> {
    return (await this.deleteRows(instanceId, instancePrefix(instanceId))) > 0;
  }

  /** Removes the history rows of an execution that ended by continue-as-new. */
  async deleteExecution(instanceId: string, executionId: string): Promise<void> {
    await this.deleteRows(instanceId, historyPrefix(instanceId, executionId));
  }

  /** The instance's rows whose key starts with `prefix`, in key order. */
  private rows(
    instanceId: string,
    prefix: string,
    select?: string[],
  ): AsyncIterable<Record<string, unknown>> {
    const pk = partitionOf(instanceId);
    return this.table.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${pk} and RowKey ge ${prefix} and RowKey lt ${upperBound(prefix)}`,
        select,
      },
    });
  }

  private async deleteRows(instanceId: string, prefix: string): Promise<number> {
    const pk = partitionOf(instanceId);
    const deletes: TransactionAction[] = [];
    for await (const row of this.rows(instanceId, prefix, ['RowKey']))
      deletes.push(['delete', { partitionKey: pk, rowKey: String(row.rowKey) }]);
    const found = deletes.length;
    while (deletes.length) await this.table.submitTransaction(deletes.splice(0, MAX_TX_OPS));
    return found;
  }

  private toEntity(r: InstanceRecord): TableEntity {
    const entity: TableEntity = {
      partitionKey: partitionOf(r.instanceId),
      rowKey: stateRowKey(r.instanceId),
      kind: STATE_KIND,
      instanceId: r.instanceId,
      name: r.name,
      executionId: r.executionId,
      runtimeStatus: r.runtimeStatus,
      createdTime: r.createdTime,
      lastUpdatedTime: r.lastUpdatedTime,
      parentInstanceId: r.parentInstanceId ?? '',
      parentTaskId: r.parentTaskId ?? -1,
      failure: r.failure ? JSON.stringify(r.failure) : '',
    };
    putChunks(entity, 'in', r.input);
    putChunks(entity, 'out', r.output);
    putChunks(entity, 'cs', r.customStatus);
    putChunks(entity, 'bk', JSON.stringify(r.book));
    return entity;
  }

  private fromEntity(e: Record<string, unknown>): InstanceRecord {
    const failure = String(e.failure ?? '');
    const parentTaskId = Number(e.parentTaskId ?? -1);
    return {
      instanceId: String(e.instanceId),
      name: String(e.name),
      executionId: String(e.executionId),
      runtimeStatus: String(e.runtimeStatus) as RuntimeStatus,
      createdTime: String(e.createdTime),
      lastUpdatedTime: String(e.lastUpdatedTime),
      parentInstanceId: e.parentInstanceId ? String(e.parentInstanceId) : undefined,
      parentTaskId: parentTaskId >= 0 ? parentTaskId : undefined,
      failure: failure ? (JSON.parse(failure) as FailureDetails) : undefined,
      input: getChunks(e, 'in'),
      output: getChunks(e, 'out'),
      customStatus: getChunks(e, 'cs'),
      book: JSON.parse(getChunks(e, 'bk') ?? 'null') ?? emptyBook(),
    };
  }
}
