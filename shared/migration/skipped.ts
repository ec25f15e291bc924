import type { Services } from '../app/services';
import { MAIL_TABLES, MailState, type SkippedItem } from '../mail';
import { escapeKey } from '../mail/state';
import { tableClient } from '../storage/clients';

/** The engine's key for a mailbox's copy state; one place, so copy, reports and the API agree. */
export function mailboxKey(batchId: string, email: string): string {
  return `${batchId}:${email.trim().toLowerCase()}`;
}

/** Items the copy left out of a mailbox (too large, refused), with the reason: never silently dropped. */
export async function skippedItemsOf(svc: Services, batchId: string, email: string): Promise<SkippedItem[]> {
  const state = new MailState(svc.storage, mailboxKey(batchId, email));
  await state.ready();
  return state.listSkipped();
}

/**
 * The same items a page at a time (`pageSize` rows per request), for a mailbox with more of them
 * than a caller should hold at once: a report of 200,000 skipped items reads them as it writes.
 */
export async function* skippedItemPages(
  svc: Services,
  batchId: string,
  email: string,
  pageSize: number,
): AsyncGenerator<SkippedItem[]> {
  const table = tableClient(svc.storage, MAIL_TABLES.skipped);
  const pk = escapeKey(mailboxKey(batchId, email)).replace(/'/g, "''");
  const rows = table.listEntities<SkippedItem>({ queryOptions: { filter: `PartitionKey eq '${pk}'` } });
  try {
    for await (const page of rows.byPage({ maxPageSize: pageSize })) {
      yield page.map((r) => ({
        folder: r.folder,
        uid: r.uid,
        uidValidity: r.uidValidity,
        date: r.date,
        subject: r.subject,
        size: r.size,
        kind: r.kind,
        reason: r.reason,
      }));
    }
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e; // no table: nothing skipped yet
  }
}
