import { ImapSource } from './source';
import { ImapTarget } from './imap-target';
import { MailState, type FolderState } from './state';
import { parseEndpoint, parseOptions, type CopyOptions, type MailContext } from './settings';
import type { MailTarget } from './target';

/**
 * Open connections and state for one mailbox. Each engine call opens one and closes it; the
 * syncMailbox loop keeps one across its calls.
 */
export interface MailSession {
  source: ImapSource;
  target: MailTarget;
  state: MailState;
  options: CopyOptions;
  /** Folder states as last written by this session (statistics without a query per call). */
  folderStates?: Map<string, FolderState>;
  close(): Promise<void>;
}

export async function openSession(ctx: MailContext): Promise<MailSession> {
  const options = parseOptions(ctx.options);
  const sourceEndpoint = parseEndpoint(ctx.source.endpoint, 'source');
  const state = new MailState(ctx.storage, ctx.mailboxKey);
  await state.ready();
  const source = await ImapSource.open(sourceEndpoint, ctx.source.login);
  let target: MailTarget;
  try {
    target =
      'open' in ctx.target
        ? await ctx.target.open()
        : await ImapTarget.open(parseEndpoint(ctx.target.endpoint, 'target'), ctx.target.login);
  } catch (e) {
    await source.close();
    throw e;
  }
  return {
    source,
    target,
    state,
    options,
    async close() {
      await Promise.all([source.close(), target.close()]);
    },
  };
}
