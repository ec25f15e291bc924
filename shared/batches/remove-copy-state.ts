import type { TableClient } from '@azure/data-tables';
import { MAIL_TABLES, escapeKey } from '../mail/state';
import { tableClient, type StorageSettings } from '../storage/clients';

/**
 * Deletes the copy engine's rows of one mailbox: its folder checkpoints (`mailfolders`) and skipped
 * items (`mailskipped`), partition = the escaped mailbox key, and its item index (`mailitems`),
 * one partition per folder generation, all of them starting with `<mailbox key>|`. Rows go in
 * transactions of 100 per partition; a retried call deletes what is left.
 */
const TRANSACTION_ROWS = 100;

export async function removeCopyState(storage: StorageSettings, mailboxKey: string): Promise<number> {
  const pk = escapeKey(mailboxKey);
  const quoted = pk.replace(/'/g, "''");
  let removed = 0;
  for (const [table, filter] of [
    [MAIL_TABLES.folders, `PartitionKey eq '${quoted}'`],
    [MAIL_TABLES.skipped, `PartitionKey eq '${quoted}'`],
    // '|' + 1 is '}': the range holds exactly the partitions `<pk>|...`.
    [MAIL_TABLES.items, `PartitionKey ge '${quoted}|' and PartitionKey lt '${quoted}}'`],
  ] as const) {
    removed += await deleteWhere(tableClient(storage, table), filter);
  }
  return removed;
}

async function deleteWhere(table: TableClient, filter: string): Promise<number> {
  const byPartition = new Map<string, string[]>();
  try {
    const rows = table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } });
    for await (const row of rows) {
      const keys = byPartition.get(row.partitionKey as string) ?? [];
      keys.push(row.rowKey as string);
      byPartition.set(row.partitionKey as string, keys);
    }
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return 0; // the table was never created
    throw e;
  }
  let removed = 0;
  for (const [partitionKey, rowKeys] of byPartition) {
    for (let i = 0; i < rowKeys.length; i += TRANSACTION_ROWS) {
      const slice = rowKeys.slice(i, i + TRANSACTION_ROWS);
      await table.submitTransaction(slice.map((rowKey) => ['delete', { partitionKey, rowKey }]));
      removed += slice.length;
    }
  }
  return removed;
}
