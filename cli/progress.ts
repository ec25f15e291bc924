import cliProgress from 'cli-progress';
import type { MailboxStatus } from '../shared/domain/statuses';
import type { Batch, Mailbox } from '../shared/state';
import { RUNNING_MAILBOX, isFailedMailbox } from './batches';
import { humanBytes } from './format';

/**
 * How `watch` and `run` show a batch while it runs: on a terminal, a bar per running mailbox and a
 * total bar (cli-progress); elsewhere (pipes, CI logs) one plain line per change, so logs stay
 * readable. The API reports a mailbox's counts when it finishes, so a mailbox's bar shows its
 * stage (queued, provisioning, copying, done) and the total bar the mailboxes that have finished.
 */
export interface ProgressView {
  update(batch: Batch, mailboxes: readonly Mailbox[]): void;
  stop(): void;
}

export function progressView(stream: NodeJS.WriteStream): ProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream);
}

const STAGES = 3;
const STAGE: Partial<Record<MailboxStatus, number>> = {
  Validating: 0,
  Queued: 0,
  Provisioning: 1,
  Syncing: 2,
  IncrementalSyncing: 2,
  Completing: 2,
  Stopping: 2,
  Removing: 2,
};
const stageOf = (status: MailboxStatus): number => STAGE[status] ?? STAGES;

/** Mailboxes that have finished the current pass (neither waiting nor running). */
function finished(mailboxes: readonly Mailbox[]): number {
  return mailboxes.filter((m) => stageOf(m.status) === STAGES).length;
}

function summary(m: Mailbox): string {
  const parts = [`${m.itemsSynced} items`, `${m.itemsSkipped} skipped`, humanBytes(m.bytesSynced)];
  const error = m.lastError ? `; ${m.lastError.code}: ${m.lastError.message}` : '';
  return `${parts.join(', ')}${error}`;
}

class BarsView implements ProgressView {
  private readonly bars: cliProgress.MultiBar;
  private readonly total: cliProgress.SingleBar;
  private readonly running = new Map<string, cliProgress.SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        format: '{label} |{bar}| {status}',
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    this.total = this.bars.create(1, 0, { label: 'total', status: '' });
  }

  update(batch: Batch, mailboxes: readonly Mailbox[]): void {
    const done = finished(mailboxes);
    const failed = mailboxes.filter(isFailedMailbox).length;
    this.total.setTotal(Math.max(mailboxes.length, 1));
    this.total.update(done, {
      label: batch.name,
      status: `${batch.status}: ${done}/${mailboxes.length} mailboxes${failed ? `, ${failed} failed` : ''}`,
    });
    const now = new Set<string>();
    for (const m of mailboxes) {
      if (!RUNNING_MAILBOX.has(m.status)) continue;
      now.add(m.email);
      const payload = { label: m.email, status: m.status };
      const bar = this.running.get(m.email);
      if (bar) bar.update(stageOf(m.status), payload);
      else this.running.set(m.email, this.bars.create(STAGES, stageOf(m.status), payload));
    }
    for (const [email, bar] of this.running) {
      if (now.has(email)) continue;
      this.bars.remove(bar);
      this.running.delete(email);
    }
  }

  stop(): void {
    this.bars.stop();
  }
}

class LinesView implements ProgressView {
  private readonly seen = new Map<string, MailboxStatus>();
  private lastTotal = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(batch: Batch, mailboxes: readonly Mailbox[]): void {
    for (const m of mailboxes) {
      if (this.seen.get(m.email) === m.status) continue;
      this.seen.set(m.email, m.status);
      // Waiting mailboxes are counted in the total line; a line each would flood a large batch's log.
      if (stageOf(m.status) === 0) continue;
      const detail = stageOf(m.status) === STAGES ? ` (${summary(m)})` : '';
      this.stream.write(`${m.email}: ${m.status}${detail}\n`);
    }
    const failed = mailboxes.filter(isFailedMailbox).length;
    const total = `batch ${batch.name}: ${batch.status}, ${finished(mailboxes)}/${mailboxes.length} mailboxes done${failed ? `, ${failed} failed` : ''}`;
    if (total !== this.lastTotal) this.stream.write(`${total}\n`);
    this.lastTotal = total;
  }

  stop(): void {}
}
