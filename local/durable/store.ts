import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { decodeEvents, encodeEvents, type FailureDetails, type HistoryEvent } from './history';
import { getChunks, putChunks, splitForEntities } from './chunked';
import { INLINE_HISTORY_CHARS } from './limits';

/**
 * Durable instance state in Table Storage. One partition per instance holds its state row, its
 * history and its inbox of raised events, so that an episode's history and the instance's new state
 * commit in one entity-group transaction: a crash leaves either the whole episode or none of it.
 * The newest events of the current execution live in the state row itself (its tail); when the
 * tail is full it moves, with the episode that overflowed it, into an append-only history row. So
 * most episodes are one write of one row, and no row ever grows past INLINE_HISTORY_CHARS.
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
  /**
   * The newest history events of the current execution that are kept in the state row itself
   * (encoded JSON array), not in history rows yet: see INLINE_HISTORY_CHARS.
   */
  historyTail?: string;
}

export interface InboxItem {
  rowKey: string;
  event: HistoryEvent;
}

const STATE_ROW = '~state';
const historyPrefix = (executionId: string): string => `h-${executionId}-`;
const pad = (n: number): string => String(n).padStart(9, '0');
/** Entity-group transactions take at most 100 operations. */
export const MAX_TX_OPS = 100;

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
  constructor(private readonly table: TableClient) {}

  async init(): Promise<void> {
    await this.table.createTable();
  }

  /**
   * Writes one episode: new history events, the instance's state, and removes consumed inbox rows.
   * With `create`, the state row must not exist yet: the transaction then fails with an
   * InstanceExistsError instead of overwriting another instance of the same id. `dropRows` are
   * rows of the partition that must exist (an ended execution's history, known to the caller):
   * they are deleted in the same transaction when it has room. Answers the history row keys written.
   */
  async commit(
    record: InstanceRecord,
    newEvents: HistoryEvent[],
    consumedInbox: string[] = [],
    options: { create?: boolean; dropRows?: string[] } = {},
  ): Promise<string[]> {
    const pk = record.instanceId;
    const actions: TransactionAction[] = [];
    const written: string[] = [];
    let tail = record.historyTail;
    const episode = record.book.episodes;
    if (newEvents.length) {
      record.book.episodes++;
      const encoded = encodeEvents(newEvents);
      // Both are JSON arrays: appending is joining their texts.
      const joined = tail ? `${tail.slice(0, -1)},${encoded.slice(1)}` : encoded;
      if (joined.length <= INLINE_HISTORY_CHARS) tail = joined;
      else {
        // The tail is full: it goes into history rows with the new events, in order, after the
        // rows written before (their episode numbers are lower).
        tail = undefined;
        splitForEntities(joined).forEach((part, i) => {
          const entity: TableEntity = {
            partitionKey: pk,
            rowKey: `${historyPrefix(record.executionId)}${pad(episode)}-${i}`,
          };
          putChunks(entity, 'e', part);
          actions.push(['upsert', entity, 'Replace']);
          written.push(entity.rowKey);
        });
      }
    }
    const state = this.toEntity(record, tail);
    actions.push(options.create ? ['create', state] : ['upsert', state, 'Replace']);
    const deletes = [...(options.dropRows ?? []), ...consumedInbox].map((rowKey): TransactionAction => [
      'delete',
      { partitionKey: pk, rowKey },
    ]);
    const firstBatch = [...actions, ...deletes.splice(0, Math.max(0, MAX_TX_OPS - actions.length))];
    try {
      // The state row alone (its tail holds the episode): one write, atomic as a transaction is.
      if (firstBatch.length > 1) await this.table.submitTransaction(firstBatch);
      else if (options.create) await this.table.createEntity(state);
      else await this.table.upsertEntity(state, 'Replace');
    } catch (e) {
      // Not stored (or its reply lost): the retry writes the same rows under the same keys.
      record.book.episodes = episode;
      if (options.create && isAlreadyExists(e)) throw new InstanceExistsError(pk);
      throw e;
    }
    record.historyTail = tail;
    // Extra inbox deletions are idempotent: re-applying an event already in history is prevented by
    // removing the row; the rare overflow beyond one transaction is cleaned in follow-up batches.
    while (deletes.length) await this.table.submitTransaction(deletes.splice(0, MAX_TX_OPS));
    return written;
  }

  async get(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(instanceId, STATE_ROW);
      return this.fromEntity(entity);
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async history(instanceId: string, executionId: string): Promise<HistoryEvent[]> {
    const prefix = historyPrefix(executionId);
    // The execution's history rows, then the state row with the newest events (its tail).
    const rows = this.table.listEntities<Record<string, unknown>>({
      queryOptions: {
        filter: odata`PartitionKey eq ${instanceId} and ((RowKey ge ${prefix} and RowKey lt ${prefix + '~'}) or RowKey eq ${STATE_ROW})`,
      },
    });
    let json = '';
    let tail: string | undefined;
    const events: HistoryEvent[] = [];
    let currentEpisode: string | undefined;
    const flush = (): void => {
      if (json) events.push(...decodeEvents(json));
      json = '';
    };
    for await (const row of rows) {
      const rowKey = String(row.rowKey);
      if (rowKey === STATE_ROW) {
        if (String(row.executionId) === executionId) tail = getChunks(row, 'h');
        continue;
      }
      const episode = rowKey.slice(0, rowKey.lastIndexOf('-'));
      if (episode !== currentEpisode) {
        flush();
        currentEpisode = episode;
      }
      json += getChunks(row, 'e') ?? '';
    }
    flush();
    if (tail) events.push(...decodeEvents(tail));
    return events;
  }

  async inbox(instanceId: string): Promise<InboxItem[]> {
    const rows = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId} and RowKey ge 'i-' and RowKey lt 'i-~'` },
    });
    const items: InboxItem[] = [];
    for await (const row of rows) {
      const [event] = decodeEvents(getChunks(row, 'e') ?? '[]');
      if (event) items.push({ rowKey: String(row.rowKey), event });
    }
    return items;
  }

  /** Durably records an event for an instance before it is applied (raise event, terminate). */
  async addInbox(instanceId: string, event: HistoryEvent, rowKey: string): Promise<void> {
    const entity: TableEntity = { partitionKey: instanceId, rowKey };
    putChunks(entity, 'e', encodeEvents([event]));
    await this.table.createEntity(entity);
  }

  async list(filter: { statuses?: RuntimeStatus[] } = {}): Promise<InstanceRecord[]> {
    const rows = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`RowKey eq ${STATE_ROW}` },
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
    const rows = this.table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId}`, select: ['RowKey'] },
    });
    const deletes: TransactionAction[] = [];
    for await (const row of rows)
      deletes.push(['delete', { partitionKey: instanceId, rowKey: String(row.rowKey) }]);
    const found = deletes.length > 0;
    while (deletes.length) await this.table.submitTransaction(deletes.splice(0, MAX_TX_OPS));
    return found;
  }

  /** Removes the history rows of an execution that ended by continue-as-new. */
  async deleteExecution(instanceId: string, executionId: string): Promise<void> {
    const prefix = historyPrefix(executionId);
    const rows = this.table.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${instanceId} and RowKey ge ${prefix} and RowKey lt ${prefix + '~'}`,
        select: ['RowKey'],
      },
    });
    const deletes: TransactionAction[] = [];
    for await (const row of rows)
      deletes.push(['delete', { partitionKey: instanceId, rowKey: String(row.rowKey) }]);
    while (deletes.length) await this.table.submitTransaction(deletes.splice(0, MAX_TX_OPS));
  }

  private toEntity(r: InstanceRecord, historyTail: string | undefined): TableEntity {
    const entity: TableEntity = {
      partitionKey: r.instanceId,
      rowKey: STATE_ROW,
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
    putChunks(entity, 'h', historyTail);
    return entity;
  }

  private fromEntity(e: Record<string, unknown>): InstanceRecord {
    const failure = String(e.failure ?? '');
    const parentTaskId = Number(e.parentTaskId ?? -1);
    return {
      instanceId: String(e.partitionKey),
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
      historyTail: getChunks(e, 'h'),
    };
  }
}
