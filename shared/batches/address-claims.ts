import type { TableClient, TableEntityResult } from '@azure/data-tables';
import type { Services } from '../app/services';
import type { BatchRow } from '../csv';
import type { ProblemDetail } from '../domain/errors';
import type { BatchStatus } from '../domain/statuses';
import { mailboxRowKey, mailboxShard } from '../state/keys';
import { httpStatusOf } from '../state/errors';
import { tableClient } from '../storage/clients';
import {
  ADDRESS_CLAIMS_TABLE,
  CLAIM_SHARDS_AT_ONCE,
  CLAIM_TAKEOVER_ATTEMPTS,
  CLAIM_TRANSACTION_ROWS,
  UNFINISHED_INGEST_CLAIM_MS,
} from './limits';

/**
 * One claim row per mailbox address (table `mailboxclaims`, row key = the address's mailbox key)
 * says which batch copies it. Reading the active batches' addresses and then creating a batch is
 * not atomic: two uploads at the same moment both found the address free and both became batches.
 * Claims are written with conditional inserts (a transaction of up to 100 per partition fails
 * whole when one row exists), and a claim is taken over from a settled batch only If-Match the ETag
 * read, so of two uploads racing for an address exactly one gets it.
 *
 * A claim is live while its batch is active, or, when its batch row does not exist yet, while the
 * ingest that wrote it may still be running (UNFINISHED_INGEST_CLAIM_MS): an ingest that died
 * between claiming and creating its batch does not hold the address for ever.
 */
export const INACTIVE_BATCH_STATUSES: ReadonlySet<BatchStatus> = new Set([
  'Completed',
  'CompletedWithErrors',
  'Failed',
  'Removing',
]);

interface ClaimEntity {
  batchId: string;
  batchName: string;
  claimedAt: string;
}

const partitionOf = (rowKey: string): string => `claims.${mailboxShard(rowKey)}`;
const claimsTable = (svc: Services): Promise<TableClient> => {
  const table = tableClient(svc.storage, ADDRESS_CLAIMS_TABLE);
  return table.createTable().then(() => table);
};

/**
 * Claims every row's address for batch `batchId`. Returns a MAILBOX_IN_ACTIVE_BATCH problem for each
 * address another live batch holds; when there is any, the claims this call made are given back.
 */
export async function claimAddresses(
  svc: Services,
  batch: { id: string; name: string },
  rows: readonly BatchRow[],
): Promise<ProblemDetail[]> {
  const table = await claimsTable(svc);
  const claim: ClaimEntity = {
    batchId: batch.id,
    batchName: batch.name,
    claimedAt: new Date().toISOString(),
  };
  const byPartition = new Map<string, BatchRow[]>();
  for (const row of rows) {
    const pk = partitionOf(mailboxRowKey(row.emailAddress));
    const list = byPartition.get(pk);
    if (list) list.push(row);
    else byPartition.set(pk, [row]);
  }
  const problems: ProblemDetail[] = [];
  const claimed = new Map<string, string[]>();
  const partitions = [...byPartition];
  for (let i = 0; i < partitions.length; i += CLAIM_SHARDS_AT_ONCE) {
    await Promise.all(
      partitions.slice(i, i + CLAIM_SHARDS_AT_ONCE).map(async ([pk, inPartition]) => {
        const ours: string[] = [];
        claimed.set(pk, ours);
        for (let j = 0; j < inPartition.length; j += CLAIM_TRANSACTION_ROWS) {
          const slice = inPartition.slice(j, j + CLAIM_TRANSACTION_ROWS);
          problems.push(...(await claimSlice(svc, table, pk, slice, claim, ours)));
        }
      }),
    );
  }
  // Given back in transactions: only the rows this call claimed (or an earlier attempt of this upload).
  if (problems.length) for (const [pk, keys] of claimed) await deleteClaims(table, pk, keys);
  return problems.sort((a, b) => Number(a.row) - Number(b.row));
}

async function deleteClaims(
  table: TableClient,
  partitionKey: string,
  rowKeys: readonly string[],
): Promise<void> {
  for (let i = 0; i < rowKeys.length; i += CLAIM_TRANSACTION_ROWS) {
    const slice = rowKeys.slice(i, i + CLAIM_TRANSACTION_ROWS);
    try {
      await table.submitTransaction(slice.map((rowKey) => ['delete', { partitionKey, rowKey }]));
    } catch (e) {
      if (httpStatusOf(e) !== 404) throw e;
      // One of them is gone already: the rest one by one.
      for (const rowKey of slice)
        await table.deleteEntity(partitionKey, rowKey).catch((err: unknown) => {
          if (httpStatusOf(err) !== 404) throw err;
        });
    }
  }
}

/** One transaction for the slice; when a row of it exists, row by row to find which. */
async function claimSlice(
  svc: Services,
  table: TableClient,
  partitionKey: string,
  slice: readonly BatchRow[],
  claim: ClaimEntity,
  ours: string[],
): Promise<ProblemDetail[]> {
  const keys = slice.map((row) => mailboxRowKey(row.emailAddress));
  try {
    await table.submitTransaction(keys.map((rowKey) => ['create', { partitionKey, rowKey, ...claim }]));
    ours.push(...keys);
    return [];
  } catch (e) {
    if (httpStatusOf(e) !== 409) throw e;
  }
  const problems: ProblemDetail[] = [];
  for (const [i, row] of slice.entries()) {
    const problem = await claimOne(svc, table, partitionKey, row, claim);
    if (problem) problems.push(problem);
    else ours.push(keys[i]!);
  }
  return problems;
}

async function claimOne(
  svc: Services,
  table: TableClient,
  partitionKey: string,
  row: BatchRow,
  claim: ClaimEntity,
): Promise<ProblemDetail | undefined> {
  const rowKey = mailboxRowKey(row.emailAddress);
  for (let attempt = 0; attempt < CLAIM_TAKEOVER_ATTEMPTS; attempt++) {
    const held = await readClaim(table, partitionKey, rowKey);
    try {
      if (!held) {
        await table.createEntity({ partitionKey, rowKey, ...claim });
        return undefined;
      }
      if (held.batchId === claim.batchId) return undefined; // this upload, tried again
      const holder = await liveHolder(svc, held);
      if (holder) return inActiveBatch(row, held, holder.status);
      await table.updateEntity({ partitionKey, rowKey, ...claim }, 'Replace', { etag: held.etag });
      return undefined;
    } catch (e) {
      // Someone else wrote the row between our read and our write: read it again.
      if (httpStatusOf(e) !== 409 && httpStatusOf(e) !== 412) throw e;
    }
  }
  const held = await readClaim(table, partitionKey, rowKey);
  return inActiveBatch(row, held ?? { ...claim, etag: '' }, undefined);
}

async function readClaim(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<TableEntityResult<ClaimEntity> | undefined> {
  try {
    return await table.getEntity<ClaimEntity>(partitionKey, rowKey);
  } catch (e) {
    if (httpStatusOf(e) === 404) return undefined;
    throw e;
  }
}

/** The batch holding a live claim (undefined status: its ingest is still running), or undefined. */
async function liveHolder(svc: Services, held: ClaimEntity): Promise<{ status?: BatchStatus } | undefined> {
  const batch = await svc.state.batches.find(held.batchId);
  if (batch) return INACTIVE_BATCH_STATUSES.has(batch.status) ? undefined : { status: batch.status };
  const age = Date.now() - Date.parse(held.claimedAt);
  return age < UNFINISHED_INGEST_CLAIM_MS ? {} : undefined;
}

function inActiveBatch(row: BatchRow, held: ClaimEntity, status: BatchStatus | undefined): ProblemDetail {
  const where = status ? `(${status})` : '(being uploaded right now)';
  return {
    code: 'MAILBOX_IN_ACTIVE_BATCH',
    message: `Row ${row.line}: ${row.emailAddress} is already in batch "${held.batchName}" ${where}. Complete or remove that batch first, or leave this row out.`,
    row: row.line,
    column: 'EmailAddress',
    email: row.emailAddress,
    otherBatch: { id: held.batchId, name: held.batchName, status: status ?? 'Uploading' },
  };
}

/** Gives back the claims batch `batchId` holds on these addresses; others' claims are left alone. */
export function releaseAddresses(svc: Services, batchId: string, addresses: Iterable<string>): Promise<void> {
  return releaseAddressKeys(svc, batchId, [...addresses].map(mailboxRowKey));
}

/** The same, given mailbox keys (as the mailboxes table's row keys are). */
export async function releaseAddressKeys(
  svc: Services,
  batchId: string,
  rowKeys: Iterable<string>,
): Promise<void> {
  const table = await claimsTable(svc);
  for (const rowKey of rowKeys) {
    const partitionKey = partitionOf(rowKey);
    const held = await readClaim(table, partitionKey, rowKey);
    if (held?.batchId !== batchId) continue;
    await table.deleteEntity(partitionKey, rowKey, { etag: held.etag }).catch((e: unknown) => {
      if (httpStatusOf(e) !== 404 && httpStatusOf(e) !== 412) throw e;
    });
  }
}
