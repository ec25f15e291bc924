/** Limits of the embedded durable runtime. */

/**
 * How long an episode that only scheduled activities or sub-orchestrations may wait in memory
 * before it is committed. Episodes that follow within this time go out in the same transaction, so
 * a mailbox whose steps take milliseconds costs one commit instead of one per step. Nothing can be
 * lost by the wait: until the commit, the stored history still asks for the same work. Activities
 * run again after a crash (they are idempotent: at least once, as on Azure); a sub-orchestration
 * is stored with its parent's instance id and task id, so the restarted parent, scheduling it
 * again under the same id, finds it and takes its result instead of starting it twice. Timers, an
 * episode that only waits for an event, and an instance's end are committed before they take effect.
 */
export const WRITE_BEHIND_MS = 250;

/**
 * The newest history events of an execution are kept in its state row (one string property holds
 * up to 32K characters), so that an episode usually costs one single-row write instead of a
 * transaction of two rows. Beyond this size they move into a history row of their own.
 */
export const INLINE_HISTORY_CHARS = 24_000;
