import type { TransactionAction } from '@azure/data-tables';
import { MAX_TX_CHARS, MAX_TX_OPS } from './limits';

/**
 * Combines the commits of many instances into few entity-group transactions. Commits to one
 * partition go out one transaction at a time; whatever arrives while one is in flight waits and
 * then leaves together in the next (up to the transaction limits). Each commit stays atomic (it is
 * wholly inside one transaction) and is answered only once its transaction succeeded, so a crash
 * loses no answered commit. If a combined transaction fails, each of its commits is sent again on
 * its own, so that only the commit at fault (an instance id already taken, say) sees the error.
 */
export type Submit = (actions: TransactionAction[]) => Promise<unknown>;

interface Job {
  actions: TransactionAction[];
  chars: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface PartitionQueue {
  jobs: Job[];
  busy: boolean;
}

export class GroupCommitter {
  private readonly queues = new Map<string, PartitionQueue>();

  constructor(private readonly submit: Submit) {}

  /** Resolves when `actions` (all in `partitionKey`, at most MAX_TX_OPS) are stored. */
  commit(partitionKey: string, actions: TransactionAction[]): Promise<void> {
    let queue = this.queues.get(partitionKey);
    if (!queue) {
      queue = { jobs: [], busy: false };
      this.queues.set(partitionKey, queue);
    }
    const done = new Promise<void>((resolve, reject) =>
      queue.jobs.push({ actions, chars: charsOf(actions), resolve, reject }),
    );
    if (!queue.busy) void this.drain(queue);
    return done;
  }

  private async drain(queue: PartitionQueue): Promise<void> {
    queue.busy = true;
    try {
      while (queue.jobs.length) await this.send(takeGroup(queue.jobs));
    } finally {
      queue.busy = false;
    }
  }

  private async send(group: Job[]): Promise<void> {
    try {
      await this.submit(group.length === 1 ? (group[0] as Job).actions : group.flatMap((j) => j.actions));
      for (const job of group) job.resolve();
      return;
    } catch (e) {
      if (group.length === 1) {
        (group[0] as Job).reject(e);
        return;
      }
    }
    for (const job of group) {
      try {
        await this.submit(job.actions);
        job.resolve();
      } catch (e) {
        job.reject(e);
      }
    }
  }
}

/** The longest run of waiting jobs, from the front, that fits one transaction (at least one job). */
function takeGroup(jobs: Job[]): Job[] {
  let ops = 0;
  let chars = 0;
  let n = 0;
  for (const job of jobs) {
    if (n > 0 && (ops + job.actions.length > MAX_TX_OPS || chars + job.chars > MAX_TX_CHARS)) break;
    ops += job.actions.length;
    chars += job.chars;
    n++;
  }
  return jobs.splice(0, n);
}

function charsOf(actions: TransactionAction[]): number {
  let chars = 0;
  for (const action of actions) {
    for (const value of Object.values(action[1] as Record<string, unknown>)) {
      chars += typeof value === 'string' ? value.length : 16;
    }
  }
  return chars;
}
