/** Limits of the embedded durable runtime. */

/**
 * How long an episode that only scheduled activities (or nothing) may wait in memory before it is
 * committed. Episodes that follow within this time go out in the same transaction, so a mailbox
 * whose steps take milliseconds costs one commit instead of one per step. Nothing can be lost by
 * the wait: until the commit, the stored history still asks for the same activities, which run
 * again after a crash (activities are idempotent: at least once, as on Azure). Timers,
 * sub-orchestrations and an instance's end are committed before they take effect.
 */
export const WRITE_BEHIND_MS = 250;
