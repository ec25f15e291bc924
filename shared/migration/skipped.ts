import type { Services } from '../app/services';
import { MailState, type SkippedItem } from '../mail';

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
