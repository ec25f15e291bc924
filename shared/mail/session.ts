import { ImapSource } from './source';
import { ImapTarget } from './imap-target';
import { MailState, type FolderState } from './state';
import { parseEndpoint, parseOptions, type CopyOptions, type MailContext } from './settings';
import { borrow, giveBack, poolKey } from './session-pool';
import type { MailTarget } from './target';

/**
 * Open connections and state for one mailbox. Each engine call opens one and closes it; the
 * syncMailbox loop keeps one across its calls. The IMAP connections come from the process' session
 * pool and go back to it on close (when still usable), so the next call of the same mailbox in
 * this process does not log in again.
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
  const sourceKey = poolKey('source', sourceEndpoint, ctx.source.login);
  const source = await borrow(sourceKey, () => ImapSource.open(sourceEndpoint, ctx.source.login));
  let target: MailTarget;
  let giveTarget: () => Promise<void>;
  try {
    if ('open' in ctx.target) {
      const own = await ctx.target.open();
      target = own;
      giveTarget = () => own.close();
    } else {
      const endpoint = parseEndpoint(ctx.target.endpoint, 'target');
      const key = poolKey('target', endpoint, ctx.target.login);
      const { login } = ctx.target;
      const imap = await borrow(key, () => ImapTarget.open(endpoint, login));
      target = imap;
      giveTarget = () => giveBack(key, imap, imap.usable);
    }
  } catch (e) {
    await giveBack(sourceKey, source, source.usable);
    throw e;
  }
  let closed = false;
  return {
    source,
    target,
    state,
    options,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([giveBack(sourceKey, source, source.usable), giveTarget()]);
    },
  };
}
