import { ImapTarget } from './imap-target';
import { EXCHANGE_CLOSES_AFTER_ERRORS, EXCHANGE_PIPELINE_DEPTH } from './limits';
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
 *   one message per command, pipelined (LITERAL+) at most EXCHANGE_PIPELINE_DEPTH deep, and the
 *   copy state is mailferry's own.
 * - `\Flagged` given on APPEND is not kept for other clients: it is set again with a STORE by UID
 *   (APPENDUID, from UIDPLUS) right after the APPEND.
 * - The top-level folder name "Files" is reserved by Exchange: a source folder of that name maps to
 *   "Files (migrated)", and the plan lists the rename.
 * - A message over the mailbox's MaxReceiveSize (35 MB by default, up to 150 MB) is refused: the
 *   engine skips it before sending and lists it with its size and the fix.
 * - Throttling answers `Request is throttled. Suggested Backoff Time: N milliseconds`, every command
 *   arriving during the back-off counts as an error, and about ten errors close the connection: the
 *   append writer stops sending at the first throttling answer, waits as told (a durable timer for
 *   long waits), sends again only the appends refused (a NO stores nothing), and moves to a fresh
 *   connection before a connection's errors could reach the limit.
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
    // A shallow pipeline: a throttling answer finds at most EXCHANGE_PIPELINE_DEPTH - 1 appends
    // already on the wire (each one more error), and nothing more is sent until the back-off ends.
    return new ExchangeOnlineTarget(
      await ImapTarget.open(endpoint, login, {
        commandsInFlight: EXCHANGE_PIPELINE_DEPTH,
        closesAfterErrors: EXCHANGE_CLOSES_AFTER_ERRORS,
      }),
    );
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
