import type { BatchPlanPage } from '../shared/plan/batch-plan';
import type { MailboxPlan } from '../shared/plan/mailbox-plan';
import type { ApiClient } from './api-client';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { humanBytes, printJson, table } from './format';

/**
 * The dry run as the CLI shows it (`mailferry batch plan`, `mailferry run --dry-run`): every page
 * of the batch's plan fetched in turn, one table row per folder, then per mailbox what is left out
 * and the estimated time.
 */
export interface BatchPlan {
  batchId: string;
  window: BatchPlanPage['window'];
  mirrorDeletions: boolean;
  rate: BatchPlanPage['rate'];
  mailboxes: MailboxPlan[];
}

/** GET /api/batches/{id}/plan?page=N as the service answers it. */
interface PlanAnswer {
  plan: {
    state: 'Running' | 'Completed' | 'Failed';
    pages: number;
    planned: number;
    error?: { code: string; message: string };
  };
  page: number;
  window?: BatchPlanPage['window'];
  mirrorDeletions?: boolean;
  rate?: BatchPlanPage['rate'];
  mailboxes: MailboxPlan[];
}

/** How often the CLI asks whether the plan is done. */
const PLAN_POLL_MS = 300;

/** Starts the plan, waits for it (it runs in the service), then reads all its pages. */
export async function fetchPlan(client: ApiClient, id: string, bytesPerMinute?: number): Promise<BatchPlan> {
  const route = `batches/${encodeURIComponent(id)}/plan`;
  await client.post(route, { json: bytesPerMinute ? { bytesPerMinute } : {} });
  let answer = await client.get<PlanAnswer>(route);
  while (answer.plan.state === 'Running') {
    await new Promise((r) => setTimeout(r, PLAN_POLL_MS));
    answer = await client.get<PlanAnswer>(route);
  }
  if (answer.plan.state === 'Failed')
    throw new CliError(
      EXIT.mailboxesFailed,
      answer.plan.error?.code ?? 'PLAN_FAILED',
      answer.plan.error?.message ?? 'The plan failed.',
    );
  const mailboxes = [...answer.mailboxes];
  for (let page = 2; page <= answer.plan.pages; page++)
    mailboxes.push(...(await client.get<PlanAnswer>(route, { query: { page } })).mailboxes);
  return {
    batchId: id,
    window: answer.window ?? {},
    mirrorDeletions: answer.mirrorDeletions ?? false,
    rate: answer.rate ?? { bytesPerMinute: 0, source: 'default' },
    mailboxes,
  };
}

interface Row {
  mailbox: string;
  source: string;
  target: string;
  messages?: number;
  bytes?: number;
  toCopy?: number;
  toCopyBytes?: number;
  tooLarge?: number;
  outOfWindow?: number;
}

function rowsOf(m: MailboxPlan): Row[] {
  if (!m.ok) return [{ mailbox: m.email, source: `FAILED ${m.error.code}`, target: m.error.message }];
  return m.folders.map((f) => ({
    mailbox: m.email,
    source: f.source,
    target: f.target,
    messages: f.messages,
    bytes: f.bytes,
    toCopy: f.toCopy,
    toCopyBytes: f.toCopyBytes,
    tooLarge: f.tooLarge,
    outOfWindow: f.filteredByDate,
  }));
}

export function formatPlan(plan: BatchPlan): string {
  const lines: string[] = [];
  const window = [
    plan.window.since && `since ${plan.window.since}`,
    plan.window.before && `before ${plan.window.before}`,
  ]
    .filter(Boolean)
    .join(', ');
  lines.push(`dry run of batch ${plan.batchId}: nothing was written to the target`);
  lines.push(
    `  date window: ${window || 'all mail'}; mirror deletions: ${plan.mirrorDeletions ? 'ON' : 'off'}`,
  );
  lines.push(`  rate: ${humanBytes(plan.rate.bytesPerMinute)}/min (${plan.rate.source})`);
  lines.push('');
  lines.push(
    table(plan.mailboxes.flatMap(rowsOf), [
      { header: 'MAILBOX', value: (r) => r.mailbox },
      { header: 'SOURCE FOLDER', value: (r) => r.source },
      { header: 'TARGET FOLDER', value: (r) => r.target },
      { header: 'MESSAGES', value: (r) => r.messages, right: true },
      { header: 'SIZE', value: (r) => humanBytes(r.bytes), right: true },
      { header: 'TO COPY', value: (r) => r.toCopy, right: true },
      { header: 'COPY SIZE', value: (r) => humanBytes(r.toCopyBytes), right: true },
      { header: 'TOO LARGE', value: (r) => r.tooLarge, right: true },
      { header: 'OUT OF WINDOW', value: (r) => r.outOfWindow, right: true },
    ]),
  );
  for (const m of plan.mailboxes) {
    if (!m.ok) continue;
    lines.push('');
    lines.push(
      `${m.email}: ${m.totals.toCopy} of ${m.totals.messages} messages to copy (${humanBytes(m.totals.toCopyBytes)}), about ${m.estimatedMinutes} min`,
    );
    for (const x of m.excluded)
      lines.push(`  left out: ${x.source} (${x.reason}${x.messages ? `, ${x.messages} messages` : ''})`);
    for (const r of m.renames) lines.push(`  mapped: ${r.source} -> ${r.target} (${r.reason})`);
  }
  const minutes = plan.mailboxes.reduce((n, m) => n + (m.ok ? m.estimatedMinutes : 0), 0);
  const failed = plan.mailboxes.filter((m) => !m.ok).length;
  lines.push('');
  lines.push(
    `${plan.mailboxes.length} mailbox(es), about ${Math.round(minutes * 10) / 10} min of copying one at a time${failed ? `; ${failed} could not be planned` : ''}`,
  );
  return lines.join('\n');
}

/** `mailferry run --dry-run`: prints the plan (JSON with --json) and succeeds whatever it found. */
export async function printDryRun(client: ApiClient, id: string, json?: boolean): Promise<ExitCode> {
  const plan = await fetchPlan(client, id);
  if (json) printJson(plan);
  else console.log(formatPlan(plan));
  return EXIT.ok;
}
