import { createHash } from 'node:crypto';
import type { MessageMeta } from '../source';
import { fingerprintHash, type FolderState, type ItemRow, type SkippedItem } from '../state';

/** The key a target may store to find this message again (Graph: an extended property). */
export function itemKey(mailboxKey: string, folder: string, uidValidity: string, uid: number): string {
  return createHash('sha256')
    .update(`${mailboxKey}\n${folder}\n${uidValidity}\n${uid}`)
    .digest('hex')
    .slice(0, 32);
}

/** A `done` index row: the message is on the target (as `t`, when the target named it). */
export function doneRow(
  m: Pick<MessageMeta, 'uid' | 'messageId' | 'size' | 'internalDate' | 'flags'>,
  t: string,
): ItemRow {
  return {
    uid: m.uid,
    s: 'd',
    t,
    fp: fingerprintHash(m.messageId, m.size, m.internalDate),
    fl: m.flags.join(' '),
    sz: m.size,
  };
}

export function skippedItem(
  state: FolderState,
  m: MessageMeta,
  kind: SkippedItem['kind'],
  reason: string,
): SkippedItem {
  return {
    folder: state.source,
    uid: m.uid,
    uidValidity: state.uidValidity,
    date: m.internalDate.toISOString(),
    subject: m.subject,
    size: m.size,
    kind,
    reason,
  };
}

export const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
