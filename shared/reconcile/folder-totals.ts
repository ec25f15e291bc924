import type { ImapEndpoint, MailboxLogin } from '../mail/settings';
import { closeImap, openImap } from '../mail/login';

/** Messages and bytes of one folder as its server counts them now; bytes null without STATUS=SIZE. */
export interface FolderTotals {
  messages: number;
  bytes: number | null;
}

/**
 * Every folder's message count and size on one IMAP side, in one LIST-STATUS round trip where the
 * server offers it: STATUS MESSAGES, and SIZE (RFC 8438) when the server announces STATUS=SIZE.
 * Read-only: nothing is selected, so no \Recent flag or last-seen state changes on either side.
 */
export async function imapFolderTotals(
  endpoint: ImapEndpoint,
  login: MailboxLogin,
  side: 'source' | 'target',
): Promise<Map<string, FolderTotals>> {
  const client = await openImap(endpoint, login, side);
  try {
    const sizes = client.capabilities.has('STATUS=SIZE');
    const list = await client.list({ statusQuery: { messages: true, size: sizes } });
    const totals = new Map<string, FolderTotals>();
    for (const f of list) {
      if (!f.status || f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
      totals.set(f.path, { messages: f.status.messages ?? 0, bytes: sizes ? (f.status.size ?? null) : null });
    }
    return totals;
  } finally {
    await closeImap(client);
  }
}
