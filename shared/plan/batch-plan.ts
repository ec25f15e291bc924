import pLimit from 'p-limit';
import type { Services } from '../app/services';
import type { Mailbox } from '../state';
import { resolveDateWindow } from './date-window';
import { DEFAULT_PLAN_BYTES_PER_MINUTE, PLAN_CONCURRENCY } from './limits';
import { planMailboxDryRun, type MailboxPlan } from './mailbox-plan';

/**
 * The dry run of a batch, one bounded page of mailboxes per call: a batch of thousands of mailboxes
 * is planned by paging with the continuation token, never inside one request.
 */
export interface BatchPlanRequest {
  pageSize: number;
  continuationToken?: string;
  /** A rate to estimate with; by default the rate measured on the batch's earlier passes. */
  bytesPerMinute?: number;
}

export interface BatchPlanPage {
  batchId: string;
  /** The date window this pass would use, resolved now (ISO). */
  window: { since?: string; before?: string };
  mirrorDeletions: boolean;
  rate: { bytesPerMinute: number; source: 'requested' | 'measured' | 'default' };
  mailboxes: MailboxPlan[];
  continuationToken?: string;
}

export async function planBatchPage(
  svc: Services,
  batchId: string,
  req: BatchPlanRequest,
): Promise<BatchPlanPage> {
  const batch = await svc.state.batches.get(batchId);
  const page = await svc.state.mailboxes.list(batch.id, {
    pageSize: req.pageSize,
    continuationToken: req.continuationToken,
  });
  const rate = rateFor(page.items, req.bytesPerMinute);
  const now = new Date();
  const limit = pLimit(PLAN_CONCURRENCY);
  const mailboxes = await Promise.all(
    page.items.map((m) => limit(() => planMailboxDryRun(svc, batch, m.email, rate.bytesPerMinute, now))),
  );
  const window = resolveDateWindow(batch.options, now);
  return {
    batchId: batch.id,
    window: {
      ...(window.since ? { since: window.since.toISOString() } : {}),
      ...(window.before ? { before: window.before.toISOString() } : {}),
    },
    mirrorDeletions: batch.options.mirrorDeletions,
    rate,
    mailboxes,
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}

/** The requested rate, else the median of the rates the page's mailboxes measured, else the default. */
function rateFor(mailboxes: Mailbox[], requested?: number): BatchPlanPage['rate'] {
  if (requested) return { bytesPerMinute: requested, source: 'requested' };
  const measured = mailboxes
    .map((m) => m.bytesPerMinute ?? 0)
    .filter((r) => r > 0)
    .sort((a, b) => a - b);
  const median = measured[Math.floor(measured.length / 2)];
  return median
    ? { bytesPerMinute: median, source: 'measured' }
    : { bytesPerMinute: DEFAULT_PLAN_BYTES_PER_MINUTE, source: 'default' };
}
