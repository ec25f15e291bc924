import path from 'node:path';
import type { BatchStatus, MailboxStatus } from '../shared/domain/statuses';
import type { Batch, Mailbox } from '../shared/state';
import { MAX_PAGE_SIZE } from '../shared/state/limits';
import { errorFor, type ApiClient } from './api-client';
import { CliError, EXIT } from './exit-codes';

/** Reading batches and their mailboxes over the API, and what their statuses mean to the CLI. */

/** Statuses in which the batch's orchestration is still working: `watch` and `run` wait while in them. */
const RUNNING_BATCH: ReadonlySet<BatchStatus> = new Set([
  'Starting',
  'Syncing',
  'IncrementalSyncing',
  'Completing',
  'Stopping',
  'Removing',
]);
/** Mailbox statuses that mean this mailbox is being worked on now. */
export const RUNNING_MAILBOX: ReadonlySet<MailboxStatus> = new Set([
  'Validating',
  'Provisioning',
  'Syncing',
  'IncrementalSyncing',
  'Completing',
  'Stopping',
  'Removing',
]);
const FAILED_MAILBOX: ReadonlySet<MailboxStatus> = new Set(['Failed', 'IncrementalFailed']);
/** A mailbox `run` counts as done: copied in the initial or the incremental pass. */
const SYNCED_MAILBOX: ReadonlySet<MailboxStatus> = new Set(['Synced', 'IncrementalSynced']);

export const isSettled = (batch: Batch): boolean => !RUNNING_BATCH.has(batch.status);
export const isFailedMailbox = (m: Mailbox): boolean => FAILED_MAILBOX.has(m.status);
export const isSyncedMailbox = (m: Mailbox): boolean => SYNCED_MAILBOX.has(m.status);

export interface BatchAnswer {
  batch: Batch;
  allowedActions: string[];
  validationErrors?: Array<Record<string, unknown>>;
}

export async function getBatch(client: ApiClient, id: string): Promise<BatchAnswer> {
  return client.get<BatchAnswer>(`batches/${encodeURIComponent(id)}`);
}

export async function listBatches(client: ApiClient): Promise<Array<Batch & { allowedActions: string[] }>> {
  return (await client.get<{ batches: Array<Batch & { allowedActions: string[] }> }>('batches')).batches;
}

/** Every mailbox of the batch, all pages, in the API's order. */
export async function listMailboxes(client: ApiClient, id: string): Promise<Mailbox[]> {
  const out: Mailbox[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.get<{ items: Mailbox[]; continuationToken?: string }>(
      `batches/${encodeURIComponent(id)}/mailboxes`,
      { query: { pageSize: MAX_PAGE_SIZE, continuationToken } },
    );
    out.push(...page.items);
    continuationToken = page.continuationToken || undefined;
  } while (continuationToken);
  return out;
}

/** Batch names are unique ignoring case, as the service enforces. */
export async function findBatchByName(client: ApiClient, name: string): Promise<Batch | undefined> {
  const key = name.toLowerCase();
  return (await listBatches(client)).find((b) => b.name.toLowerCase() === key);
}

/** The final report `run --json` prints, one row per mailbox. */
export interface RunReport {
  batch: string;
  batchId: string;
  status: BatchStatus;
  mailboxes: Array<{
    emailAddress: string;
    status: MailboxStatus;
    itemsSynced: number;
    itemsSkipped: number;
    bytesSynced: number;
    error: { code: string; message: string } | null;
    /** Graph mail only: messages that lost something, per kind of loss. */
    notCarried: Record<string, number>;
    /** Contacts and calendar events among itemsSynced, PIM items skipped, or why none were migrated. */
    contacts?: number;
    events?: number;
    pimSkipped?: number;
    pimNote?: string;
  }>;
}

export function runReport(batch: Batch, mailboxes: readonly Mailbox[]): RunReport {
  return {
    batch: batch.name,
    batchId: batch.id,
    status: batch.status,
    mailboxes: byEmail(mailboxes).map((m) => ({
      emailAddress: m.email,
      status: m.status,
      itemsSynced: m.itemsSynced,
      itemsSkipped: m.itemsSkipped,
      bytesSynced: m.bytesSynced,
      error: m.lastError ?? null,
      notCarried: m.notCarried ?? {},
      ...(m.contactsSynced !== undefined ? { contacts: m.contactsSynced } : {}),
      ...(m.eventsSynced !== undefined ? { events: m.eventsSynced } : {}),
      ...(m.pimSkipped !== undefined ? { pimSkipped: m.pimSkipped } : {}),
      ...(m.pimNote ? { pimNote: m.pimNote } : {}),
    })),
  };
}

/** Mailboxes in address order, so reports read the same on every run (storage order is by key). */
export function byEmail(mailboxes: readonly Mailbox[]): Mailbox[] {
  return [...mailboxes].sort((a, b) => a.email.localeCompare(b.email));
}

/** A batch name from a CSV file name: `wave 1.csv` → `wave 1`; characters a name cannot hold become `-`. */
export function batchNameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.[^.]*$/, '');
  const cleaned = base
    .replace(/[^\p{L}\p{N} ._()-]/gu, '-')
    .trim()
    .slice(0, 64);
  return /^[\p{L}\p{N}]/u.test(cleaned) ? cleaned : `batch-${cleaned}`.slice(0, 64);
}

/** How long `remove` waits for the service's removal orchestration to delete the batch. */
const REMOVE_WAIT_MS = 120_000;
const REMOVE_POLL_MS = 250;

/**
 * Removes a batch. The service answers 202 and deletes its state in the background; with `wait`
 * this returns once the batch is gone (GET answers 404), so its name can be used again at once.
 */
export async function removeBatch(client: ApiClient, id: string, wait = true): Promise<void> {
  await client.delete(`batches/${encodeURIComponent(id)}`);
  if (!wait) return;
  const deadline = Date.now() + REMOVE_WAIT_MS;
  while (Date.now() < deadline) {
    const { status, body } = await client.send('GET', `batches/${encodeURIComponent(id)}`);
    if (status === 404) return;
    if (status !== 200) throw errorFor(status, body);
    await new Promise((r) => setTimeout(r, REMOVE_POLL_MS));
  }
  throw new CliError(
    EXIT.unreachable,
    'REMOVE_TIMEOUT',
    `Batch ${id} is still being removed after ${REMOVE_WAIT_MS / 1000} s; check it later with \`mailferry batch show ${id}\`.`,
  );
}

/** An item the copy left out (too large for the target, or refused), as the API lists it. */
export interface SkippedItem {
  folder: string;
  date: string;
  subject: string;
  size: number;
  kind: string;
  reason: string;
}

/** The skipped items of every mailbox that has some, by address (one request per such mailbox). */
export async function skippedItems(
  client: ApiClient,
  id: string,
  mailboxes: readonly Mailbox[],
): Promise<Record<string, SkippedItem[]>> {
  const out: Record<string, SkippedItem[]> = {};
  for (const m of mailboxes) {
    if (m.itemsSkipped <= 0) continue;
    const answer = await client.get<{ skippedItems?: SkippedItem[] }>(
      `batches/${encodeURIComponent(id)}/mailboxes/${encodeURIComponent(m.email)}`,
    );
    out[m.email] = answer.skippedItems ?? [];
  }
  return out;
}
