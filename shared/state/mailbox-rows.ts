import { z } from 'zod';
import { definedOnly } from './codec';
import { stateError } from './errors';
import { mailboxRowKey, mailboxShard } from './keys';
import { MAX_TRANSACTION_OPERATIONS } from './limits';
import { timestampsFor } from './mailbox-entity';
import { MAX_EMAIL_LENGTH } from '../domain/address';
import { secretRefSchema, type Mailbox, type NewMailbox } from './model';

/** New mailbox rows checked before anything is written, and grouped into transactions. */
const MAX_NAME_LENGTH = 1024;
const MAX_TOKEN_LENGTH = 4096;

export function mailboxNotFound(batchId: string, email: string) {
  return stateError('MAILBOX_NOT_FOUND', `Batch ${batchId} has no mailbox ${email}.`, { batchId, email });
}

export function mailboxInvalid(message: string, details: Record<string, unknown>) {
  return stateError('MAILBOX_INVALID', message, details);
}

/** The rows `addMany` writes; MAILBOX_INVALID naming the first bad one (its position and field). */
export function newMailboxRows(batchId: string, items: readonly NewMailbox[], now: string): Mailbox[] {
  const seen = new Set<string>();
  return items.map((item, index) => {
    const email = item.email.trim();
    checkNewMailbox(item, email, index);
    const key = mailboxRowKey(email);
    if (seen.has(key))
      throw mailboxInvalid(`Mailbox ${email} is listed twice; list each address once.`, { index, email });
    seen.add(key);
    const status = item.status ?? 'Validating';
    return definedOnly({
      batchId,
      email,
      status,
      userName: item.userName,
      userRoot: item.userRoot,
      passwordRef: item.passwordRef,
      forceChangePassword: item.forceChangePassword,
      itemsSynced: 0,
      itemsSkipped: 0,
      bytesSynced: 0,
      syncDurationMs: 0,
      ...timestampsFor(status, now),
      createdAt: now,
      updatedAt: now,
    });
  });
}

function checkNewMailbox(item: NewMailbox, email: string, index: number): void {
  if (!email.includes('@') || email.length > MAX_EMAIL_LENGTH) {
    throw mailboxInvalid(`Mailbox ${index + 1} has no valid address ("${email.slice(0, 80)}").`, {
      index,
      email,
    });
  }
  for (const field of ['userName', 'userRoot'] as const) {
    if ((item[field]?.length ?? 0) > MAX_NAME_LENGTH) {
      throw mailboxInvalid(`Mailbox ${email}: ${field} is longer than ${MAX_NAME_LENGTH} characters.`, {
        index,
        email,
        field,
      });
    }
  }
  if (item.passwordRef !== undefined && !secretRefSchema.safeParse(item.passwordRef).success) {
    throw mailboxInvalid(`Mailbox ${email}: passwordRef must be a secret reference (secret:<name>).`, {
      index,
      email,
    });
  }
}

/** Per partition, groups of 99 mailboxes: with the partition's counts row, one transaction each. */
export function shardChunks(rows: readonly Mailbox[]): { shard: number; rows: Mailbox[] }[] {
  const byShard = new Map<number, Mailbox[]>();
  for (const m of rows) {
    const shard = mailboxShard(mailboxRowKey(m.email));
    byShard.set(shard, [...(byShard.get(shard) ?? []), m]);
  }
  const chunks: { shard: number; rows: Mailbox[] }[] = [];
  for (const [shard, list] of byShard) {
    for (let i = 0; i < list.length; i += MAX_TRANSACTION_OPERATIONS - 1) {
      chunks.push({ shard, rows: list.slice(i, i + MAX_TRANSACTION_OPERATIONS - 1) });
    }
  }
  return chunks;
}

/** Groups of row keys per partition, at most one transaction's worth each (for deleting a batch). */
export function deleteGroups(
  byPartition: Map<string, string[]>,
): { partitionKey: string; rowKeys: string[] }[] {
  const groups: { partitionKey: string; rowKeys: string[] }[] = [];
  for (const [partitionKey, keys] of byPartition) {
    for (let i = 0; i < keys.length; i += MAX_TRANSACTION_OPERATIONS) {
      groups.push({ partitionKey, rowKeys: keys.slice(i, i + MAX_TRANSACTION_OPERATIONS) });
    }
  }
  return groups;
}

/** The SDK's token is base64 of `{nextPartitionKey, nextRowKey?}`; anything else would make it throw. */
const pageTokenSchema = z.object({ nextPartitionKey: z.string().min(1), nextRowKey: z.string().optional() });
export function isPageToken(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
  try {
    return pageTokenSchema.safeParse(JSON.parse(Buffer.from(token, 'base64').toString('latin1'))).success;
  } catch {
    return false;
  }
}
