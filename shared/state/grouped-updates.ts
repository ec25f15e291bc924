import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { MAX_TRANSACTION_OPERATIONS } from './limits';

/**
 * Conditional single-row updates (If-Match an ETag) to the rows of one partition, written as group
 * commits: while one write to the partition is in flight, the updates that arrive wait and then go
 * together in one entity-group transaction. Under load (many window slots claiming at once) that
 * is one round trip for several updates; alone, an update goes at once as a plain update.
 *
 * Each update keeps its own outcome. A transaction is all or nothing, so when a group is refused
 * (one of its rows changed since its ETag was read) every update of that group is sent again on
 * its own: the stale one gets its 412, the others are written.
 */
interface Waiting {
  entity: TableEntity;
  etag: string;
  resolve(etag: string | undefined): void;
  reject(error: unknown): void;
}

interface Partition {
  table: TableClient;
  waiting: Waiting[];
  writing: boolean;
}

export class GroupedUpdates {
  private readonly partitions = new Map<string, Partition>();

  /** Replaces the row if its ETag is still `etag`; answers the row's new ETag. */
  update(table: TableClient, entity: TableEntity, etag: string): Promise<string | undefined> {
    const key = `${table.url}|${table.tableName}|${entity.partitionKey}`;
    let partition = this.partitions.get(key);
    if (!partition) {
      partition = { table, waiting: [], writing: false };
      this.partitions.set(key, partition);
    }
    const done = new Promise<string | undefined>((resolve, reject) =>
      partition.waiting.push({ entity, etag, resolve, reject }),
    );
    if (!partition.writing) void this.drain(key, partition);
    return done;
  }

  private async drain(key: string, partition: Partition): Promise<void> {
    partition.writing = true;
    try {
      while (partition.waiting.length) await this.write(partition.table, takeGroup(partition));
    } finally {
      partition.writing = false;
      this.partitions.delete(key);
    }
  }

  private async write(table: TableClient, group: Waiting[]): Promise<void> {
    if (group.length > 1) {
      const actions = group.map((u): TransactionAction => ['update', u.entity, 'Replace', { etag: u.etag }]);
      try {
        const response = await table.submitTransaction(actions);
        // Sub-responses come in the order of the actions.
        group.forEach((u, i) => u.resolve(response.subResponses[i]?.etag?.trim()));
        return;
      } catch {
        // Refused as a whole: each on its own below, so each gets its own answer.
      }
    }
    await Promise.all(
      group.map(async (u) => {
        try {
          const response = await table.updateEntity(u.entity, 'Replace', { etag: u.etag });
          u.resolve(response.etag?.trim());
        } catch (e) {
          u.reject(e);
        }
      }),
    );
  }
}

/** The waiting updates that can share a transaction: distinct rows, at most the service's limit. */
function takeGroup(partition: Partition): Waiting[] {
  const group: Waiting[] = [];
  const rows = new Set<string>();
  const later: Waiting[] = [];
  for (const u of partition.waiting) {
    if (group.length < MAX_TRANSACTION_OPERATIONS && !rows.has(u.entity.rowKey)) {
      group.push(u);
      rows.add(u.entity.rowKey);
    } else later.push(u);
  }
  partition.waiting = later;
  return group;
}
