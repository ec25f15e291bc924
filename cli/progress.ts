import cliProgress from 'cli-progress';
import type { MailboxStatus } from '../shared/domain/statuses';
import type { Batch, Mailbox } from '../shared/state';
import { RUNNING_MAILBOX, isFailedMailbox } from './batches';
import { humanBytes } from './format';
import { barState } from './mailbox-bar';

/**
 * How `watch` and `run` show a batch while it runs: on a terminal, a bar per running mailbox and a
 * total bar (cli-progress); elsewhere (pipes, CI logs) one plain line per change, so logs stay
 * readable. A mailbox's bar fills with the share of its source mail accounted for, as each copied
 * chunk reports it, and says the time left, the rate and the folder; the total bar counts the
 * mailboxes that have finished.
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

/** Finished mailboxes whose bar stays on screen at 100 %; older ones make room (a large batch). */
const MAX_FINISHED_BARS = 10;

class BarsView implements ProgressView {
  private readonly bars: cliProgress.MultiBar;
  private readonly total: cliProgress.SingleBar;
  private readonly shown = new Map<string, cliProgress.SingleBar>();
  private readonly finishedOrder: string[] = [];
  /** Seen waiting or running during this watch; of those, the ones whose bar shows their end. */
  private readonly waiting = new Set<string>();
  private readonly ended = new Set<string>();

  constructor(stream: NodeJS.WriteStream) {
    this.bars = new cliProgress.MultiBar(
      {
        stream,
        format: '{label} |{bar}| {percent} | {status}',
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
        barsize: 30,
        // Redraw at least this often even when the terminal asks for nothing (tmux, slow ttys).
        forceRedraw: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.total = this.bars.create(1, 0, { label: 'total', status: '', percent: '' });
  }

  update(batch: Batch, mailboxes: readonly Mailbox[]): void {
    const done = finished(mailboxes);
    const failed = mailboxes.filter(isFailedMailbox).length;
    this.total.setTotal(Math.max(mailboxes.length, 1));
    this.total.update(done, {
      label: batch.name,
      percent: `${done}/${mailboxes.length}`,
      status: `${batch.status}${failed ? `, ${failed} failed` : ''}`,
    });
    for (const m of mailboxes) this.show(m);
  }

  /**
   * A bar appears when a mailbox starts and stays at its end state once it has finished; a mailbox
   * that was already finished when the watch began gets none (nothing happens to it).
   */
  private show(m: Mailbox): void {
    const running = RUNNING_MAILBOX.has(m.status);
    const over = stageOf(m.status) === STAGES;
    if (!over) {
      this.waiting.add(m.email);
      this.ended.delete(m.email);
    }
    if (!running && !(over && this.waiting.has(m.email) && !this.ended.has(m.email))) return;
    const state = barState(m, over);
    const payload = {
      label: m.email,
      status: state.detail,
      percent: `${String(state.percent).padStart(3)}%`,
    };
    const bar = this.shown.get(m.email);
    if (bar) bar.update(state.percent, payload);
    else this.shown.set(m.email, this.bars.create(100, state.percent, payload));
    if (over) this.finish(m.email);
  }

  private finish(email: string): void {
    this.ended.add(email);
    this.finishedOrder.push(email);
    while (this.finishedOrder.length > MAX_FINISHED_BARS) {
      const old = this.finishedOrder.shift() ?? '';
      const bar = this.shown.get(old);
      if (bar) this.bars.remove(bar);
      this.shown.delete(old);
    }
  }

  stop(): void {
    this.bars.stop();
  }
}

/** In a log, a copying mailbox says how far it is each time it passes another quarter. */
const LOG_STEP_PERCENT = 25;

class LinesView implements ProgressView {
  private readonly seen = new Map<string, MailboxStatus>();
  private readonly step = new Map<string, number>();
  private lastTotal = '';

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(batch: Batch, mailboxes: readonly Mailbox[]): void {
    for (const m of mailboxes) {
      this.logStep(m);
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

  private logStep(m: Mailbox): void {
    if (!RUNNING_MAILBOX.has(m.status)) {
      this.step.delete(m.email);
      return;
    }
    const state = barState(m, false);
    const step = Math.floor(state.percent / LOG_STEP_PERCENT);
    if (state.percent === 0 || state.percent === 100 || step <= (this.step.get(m.email) ?? 0)) return;
    this.step.set(m.email, step);
    this.stream.write(`${m.email}: ${state.percent}% (${state.detail})\n`);
  }

  stop(): void {}
}
