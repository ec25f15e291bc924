import type { Services } from '../app/services';
import { mailboxKey } from '../migration/skipped';
import { PimState } from './state';

/** A mailbox's contacts and calendar items not migrated (or only partly), as report rows. */
export async function pimSkippedOf(
  svc: Services,
  batchId: string,
  email: string,
): Promise<Array<{ emailAddress: string; folder: string; subject: string; kind: string; reason: string }>> {
  const state = new PimState(svc.storage, mailboxKey(batchId, email));
  await state.ready();
  return (await state.listSkipped()).map((s) => ({
    emailAddress: email,
    folder: s.collection,
    subject: s.label,
    kind: s.kind,
    reason: `${s.code}: ${s.whole ? '' : '(migrated with a loss) '}${s.reason}`,
  }));
}
