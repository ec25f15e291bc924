import { MailError, MailErrorCode } from '../errors';
import { LOST_ANSWER_SETTLE_MS, LOST_ANSWER_MAX_LOOKUPS, MAX_UNKNOWN_ROUNDS } from '../limits';
import { sleep } from '../retry';
import type { MessageMeta } from '../source';
import type { Appender } from './appender';
import type { IndexWriter } from './index-writer';
import { claimOnTarget } from './recover';
import { doneRow } from './rows';
import type { CopyScope, NewMessagesOutcome } from './scope';

/**
 * Appends whose answer was lost. Every other append of the chunk has finished and its index rows are
 * written first, so the target's copies not claimed by a done row are exactly the ones whose answer
 * was lost. Those found are recorded; only the rest is appended again (and looked up again if that
 * answer is lost too), at most MAX_UNKNOWN_ROUNDS times; after that the in-flight mark sends them
 * through the same lookup on the next call.
 *
 * A server goes on with the commands it had already received when the connection dropped (pipelined
 * APPENDs sit in its input buffer): a lookup right after the drop can miss a message the server
 * stores a moment later, and appending it again would double it. So the lookup waits
 * LOST_ANSWER_SETTLE_MS and is repeated until two in a row find the same.
 */
export async function resolveLostAnswers(
  scope: CopyScope,
  appender: Appender,
  index: IndexWriter,
  out: NewMessagesOutcome,
): Promise<void> {
  const { state } = scope;
  for (let round = 0; appender.unknown.length && appender.fatal === undefined && !appender.crashed; round++) {
    await index.settle();
    if (round >= MAX_UNKNOWN_ROUNDS) {
      appender.fatal = new MailError(
        MailErrorCode.connectionLost,
        `${appender.unknown.length} append(s) to ${state.target} got no answer ${round} times in a row; the next attempt looks for them on the target first`,
        { folder: state.source, retryAfterMs: 0 },
      );
      return;
    }
    const lost = appender.unknown.sort((a, b) => a.uid - b.uid);
    appender.unknown = [];
    const found = await settledLookup(scope, lost);
    const again: MessageMeta[] = [];
    const rows = [];
    for (const m of lost) {
      const id = found.get(m.uid);
      if (id === undefined) again.push(m);
      else {
        rows.push(doneRow(m, id));
        out.copied++;
        out.bytes += m.size;
      }
    }
    if (rows.length) await scope.session.state.putItems(state, state.uidValidity, rows);
    if (again.length) await appender.appendAll(again, false);
  }
}

/** The lost appends found on the target once the server has stopped storing them (see above). */
async function settledLookup(scope: CopyScope, lost: MessageMeta[]): Promise<Map<number, string>> {
  await sleep(LOST_ANSWER_SETTLE_MS, scope.signal);
  let found = await claimOnTarget(scope, lost);
  for (let n = 1; n < LOST_ANSWER_MAX_LOOKUPS && found.size < lost.length; n++) {
    await sleep(LOST_ANSWER_SETTLE_MS, scope.signal);
    const again = await claimOnTarget(scope, lost);
    const settled = again.size === found.size;
    found = again;
    if (settled) break;
  }
  return found;
}
