import type { Batch, Mailbox } from '../shared/state';
import type { ApiClient } from './api-client';
import { getBatch, isSettled, listMailboxes } from './batches';
import { progressView } from './progress';

/** Polls a batch until its run settles, showing progress on `stream`; returns the final state. */
export const DEFAULT_POLL_MS = 1000;

export interface WatchOptions {
  stream: NodeJS.WriteStream;
  pollMs?: number;
  /**
   * Settles when the batch's run has ended, where the caller can know it (the embedded host it
   * runs): the watch then reads the final state at once instead of at the next poll.
   */
  ended?: Promise<unknown>;
}

export async function watchBatch(
  client: ApiClient,
  batchId: string,
  options: WatchOptions,
): Promise<{ batch: Batch; mailboxes: Mailbox[] }> {
  const view = progressView(options.stream);
  try {
    for (;;) {
      const { batch } = await getBatch(client, batchId);
      const mailboxes = await listMailboxes(client, batchId);
      view.update(batch, mailboxes);
      if (isSettled(batch)) return { batch, mailboxes };
      let timer: NodeJS.Timeout | undefined;
      const poll = new Promise((r) => (timer = setTimeout(r, options.pollMs ?? DEFAULT_POLL_MS)));
      await Promise.race([poll, options.ended ?? poll]);
      clearTimeout(timer);
    }
  } finally {
    view.stop();
  }
}
