import type { Services } from '../app/services';
import type { ChunkInput, ChunkOutcome, StepResult } from '../workflow/names';

/**
 * One bounded copy step for a mailbox. The IMAP copy engine (shared/mail) plugs in here; until a
 * source endpoint can be copied from, the step reports that nothing was copied.
 */
export async function copyMailboxChunk(
  _svc: Services,
  _input: ChunkInput,
): Promise<StepResult<ChunkOutcome>> {
  return { ok: true, done: true, itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 };
}
