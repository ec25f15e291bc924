import { CORPUS_FOLDER_MAP } from '../../testing/mail/corpus';
import { SOURCE_SPECIAL_USE, TARGET_SPECIAL_USE, useDovecot } from '../../testing/jest/dovecot';
import { useAzurite } from '../../testing/jest/azurite';
import { snapshotMailbox, type SnapshotItem } from '../../testing/mail/corpus';
import type { MailContext } from '../../shared/mail';
import { dovecotContext } from '../../testing/jest/mail-context';

/**
 * A source and a target Dovecot and an Azurite for one fault test file, and the comparison every
 * fault test ends with: the whole target against the whole source, folder by folder, message by
 * message (sha256 of the bytes, flags, INTERNALDATE), so a duplicate or a gap anywhere shows.
 */
export const FOLDER_MAP: Record<string, string> = { ...CORPUS_FOLDER_MAP };

export function useMailServers() {
  const source = useDovecot({ specialUse: SOURCE_SPECIAL_USE });
  const target = useDovecot({ specialUse: TARGET_SPECIAL_USE });
  const storage = useAzurite();
  type Hop = { host: string; port: number };
  const as = (d: () => Hop, user: string) => ({ host: d().host, port: d().port, user, password: 'pw' });

  /** The engine's context; `via` replaces a side's address (a fault proxy in front of it). */
  function ctx(
    user: string,
    via: { source?: Hop; target?: Hop } = {},
    extra: Partial<MailContext> = {},
  ): MailContext {
    const from = via.source ?? source();
    const to = via.target ?? target();
    return dovecotContext(`faults:${user}`, user, from, to, storage(), extra);
  }

  /** Source folders and what the target holds for each (mapped by role), ready for toEqual. */
  async function compare(
    user: string,
  ): Promise<{ source: Map<string, SnapshotItem[]>; target: Map<string, SnapshotItem[]> }> {
    const src = await snapshotMailbox(as(source, user));
    const dst = await snapshotMailbox(as(target, user));
    const onTarget = new Map<string, SnapshotItem[]>();
    const onSource = new Map<string, SnapshotItem[]>();
    for (const [s, t] of Object.entries(FOLDER_MAP)) {
      onSource.set(s, src.get(s) ?? []);
      onTarget.set(s, dst.get(t) ?? []);
    }
    return { source: onSource, target: onTarget };
  }

  /** Messages on the target, all folders. */
  async function targetCount(user: string): Promise<number> {
    const dst = await snapshotMailbox(as(target, user));
    return [...dst.values()].reduce((n, v) => n + v.length, 0);
  }

  return { source, target, storage, as, ctx, compare, targetCount };
}
