import type { Batch, Mailbox } from '../shared/state';
import { byEmail, isFailedMailbox, type BatchAnswer, type SkippedItem } from './batches';
import { EXIT, type ExitCode } from './exit-codes';
import { humanBytes, table } from './format';

/** How batches read on a terminal: `batch show`, the mailbox report, and the exit code a batch earns. */

/** The exit code a settled batch earns: 1 when any mailbox failed (or the batch itself did). */
export function exitFor(batch: Batch, mailboxes: readonly Mailbox[]): ExitCode {
  return batch.status === 'Failed' || mailboxes.some(isFailedMailbox) ? EXIT.mailboxesFailed : EXIT.ok;
}

export function syncedCount(b: Batch): number {
  const c = b.counts;
  return c.Synced + c.IncrementalSynced + c.Completed + c.CompletedWithWarnings;
}

export function printBatch({ batch: b, allowedActions, validationErrors }: BatchAnswer): void {
  const lines: Array<[string, string | number | undefined]> = [
    ['id', b.id],
    ['name', b.name],
    ['status', b.status],
    ['source', b.sourceEndpoint],
    ['target', b.target],
    ['mailboxes', b.totalMailboxes],
    ['created', b.createdAt],
    ['started', b.startedAt],
    ['last synced', b.lastSyncedAt],
    ['completed', b.completedAt],
    ['last error', b.lastError ? `${b.lastError.code}: ${b.lastError.message}` : undefined],
    [
      'counts',
      Object.entries(b.counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ') || 'none',
    ],
    ['actions', allowedActions.join(', ') || 'none'],
  ];
  for (const [k, v] of lines) if (v !== undefined) console.log(`${`${k}:`.padEnd(13)}${v}`);
  if (validationErrors?.length) {
    console.log(`CSV problems (${validationErrors.length}):`);
    for (const e of validationErrors)
      console.log(
        `  row ${String(e.row ?? '?')}${e.column ? `, ${String(e.column)}` : ''}: ${String(e.code)} ${String(e.message)}`,
      );
  }
}

export function printReport(b: Batch, mailboxes: readonly Mailbox[]): void {
  console.log(`batch ${b.name} (${b.id}): ${b.status}`);
  if (!mailboxes.length) return console.log('no mailboxes');
  console.log(
    table(byEmail(mailboxes), [
      { header: 'MAILBOX', value: (m) => m.email },
      { header: 'STATUS', value: (m) => m.status },
      { header: 'SYNCED', value: (m) => m.itemsSynced, right: true },
      { header: 'SKIPPED', value: (m) => m.itemsSkipped, right: true },
      { header: 'BYTES', value: (m) => humanBytes(m.bytesSynced), right: true },
      { header: 'ITEMS/MIN', value: (m) => m.ratePerMinute, right: true },
      { header: 'LAST SYNC', value: (m) => m.lastSuccessfulSync },
      { header: 'ERROR', value: (m) => (m.lastError ? `${m.lastError.code}: ${m.lastError.message}` : '') },
    ]),
  );
  for (const m of byEmail(mailboxes)) {
    if (m.contactsSynced || m.eventsSynced)
      console.log(`${m.email}: ${m.contactsSynced ?? 0} contacts, ${m.eventsSynced ?? 0} calendar events`);
    if (m.pimNote) console.log(`${m.email}: contacts and calendars ${m.pimNote}`);
  }
  const failed = mailboxes.filter(isFailedMailbox).length;
  console.log(`${mailboxes.length} mailboxes, ${failed} failed`);
  // Mail through Graph is rebuilt as JSON: say what it lost, per mailbox, never silently.
  for (const m of byEmail(mailboxes)) {
    const lost = Object.entries(m.notCarried ?? {})
      .filter(([, n]) => n > 0)
      .sort(([ka, a], [kb, b]) => b - a || ka.localeCompare(kb));
    if (lost.length)
      console.log(`${m.email}: not carried by Graph: ${lost.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
}

/** The items each mailbox left out, with the reason: what an administrator must move by hand. */
export function printSkipped(skipped: Record<string, SkippedItem[]>): void {
  const rows = Object.entries(skipped).flatMap(([email, items]) => items.map((i) => ({ email, ...i })));
  if (!rows.length) return;
  console.log(`\nskipped items (${rows.length}):`);
  console.log(
    table(rows, [
      { header: 'MAILBOX', value: (r) => r.email },
      { header: 'FOLDER', value: (r) => r.folder },
      { header: 'DATE', value: (r) => r.date },
      { header: 'SIZE', value: (r) => humanBytes(r.size), right: true },
      { header: 'KIND', value: (r) => r.kind },
      { header: 'SUBJECT', value: (r) => r.subject },
      { header: 'REASON', value: (r) => r.reason },
    ]),
  );
}
