import { ImapTarget } from './imap-target';
import type { ImapEndpoint, MailboxLogin } from './settings';
import type {
  AppendResult,
  Fingerprint,
  MailTarget,
  TargetCapabilities,
  TargetFolder,
  TargetMessage,
} from './target';

/**
 * Exchange Online's IMAP as it behaves, around the plain IMAP target:
 *
 * - It advertises no CONDSTORE, QRESYNC, MULTIAPPEND or APPENDLIMIT: the IMAP target then appends
 *   one message per command (LITERAL+ pipelines the bytes) and the copy state is mailferry's own.
 * - `\Flagged` given on APPEND is not kept for other clients: it is set again with a STORE by UID
 *   (APPENDUID, from UIDPLUS) right after the APPEND.
 * - The top-level folder name "Files" is reserved by Exchange: a source folder of that name maps to
 *   "Files (migrated)", and the plan lists the rename.
 * - A message over the mailbox's MaxReceiveSize (35 MB by default, up to 150 MB) is refused: the
 *   engine skips it before sending and lists it with its size and the fix.
 * - Throttling answers `Request is throttled. Suggested Backoff Time: N milliseconds` and ten errors
 *   close the connection: the IMAP layer waits as told (a durable timer for long waits) and never
 *   retries into the back-off.
 */

/** Connections per mailbox on Exchange Online by default: it allows few at once per mailbox. */
export const EXCHANGE_IMAP_CONNECTIONS = 4;

/** Exchange Online's reserved top-level folder names, and what a source folder of that name becomes. */
const RESERVED_TOP_LEVEL = new Map([['files', 'Files (migrated)']]);

export function exchangeReservedFolderName(name: string, parent: string): string | undefined {
  return parent ? undefined : RESERVED_TOP_LEVEL.get(name.toLowerCase());
}

export const EXCHANGE_TOO_LARGE_FIX =
  "Exchange Online refuses messages over the mailbox's MaxReceiveSize (35 MB by default): raise it, up to 150 MB, with `Set-Mailbox <address> -MaxReceiveSize 150MB` and set the target's maxMessageSizeMB to match, then sync again.";

const isFlagged = (flags: string[]): boolean => flags.some((f) => f.toLowerCase() === '\\flagged');

export class ExchangeOnlineTarget implements MailTarget {
  readonly capabilities: TargetCapabilities;

  constructor(private readonly inner: MailTarget) {
    this.capabilities = {
      ...inner.capabilities,
      reservedFolderName: exchangeReservedFolderName,
      tooLargeHint: EXCHANGE_TOO_LARGE_FIX,
    };
  }

  static async open(endpoint: ImapEndpoint, login: MailboxLogin): Promise<ExchangeOnlineTarget> {
    // No pipelined appends: Exchange answers a throttled command with a back-off and counts every
    // command that arrives during it as an error (about ten close the connection); appends already
    // on the wire would all arrive in the back-off. One APPEND at a time waits as told.
    return new ExchangeOnlineTarget(await ImapTarget.open(endpoint, login, { pipeline: false }));
  }

  listFolders(): Promise<TargetFolder[]> {
    return this.inner.listFolders();
  }

  ensureFolder(path: string): Promise<void> {
    return this.inner.ensureFolder(path);
  }

  async append(folder: string, messages: TargetMessage[]): Promise<AppendResult[]> {
    const results = await this.inner.append(folder, messages);
    const restore: Array<{ id: string; flags: string[] }> = [];
    results.forEach((r, i) => {
      const m = messages[i];
      if (r.ok && r.id && m && isFlagged(m.flags)) restore.push({ id: r.id, flags: m.flags });
    });
    // The STORE goes before the engine records the copy: should it fail, the chunk is retried and
    // the flags are set again on the message the retry finds.
    await this.inner.setFlags(folder, restore);
    return results;
  }

  findExisting(folder: string, items: Fingerprint[]): Promise<Map<string, string[]>> {
    return this.inner.findExisting(folder, items);
  }

  setFlags(folder: string, changes: Array<{ id: string; flags: string[] }>): Promise<void> {
    return this.inner.setFlags(folder, changes);
  }

  remove(folder: string, ids: string[]): Promise<void> {
    return this.inner.remove(folder, ids);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
