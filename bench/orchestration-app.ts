/**
 * The benchmark's function app: the REAL orchestrators (migrateBatch with its window slots,
 * provisionMailbox, migrateMailbox) and the real batch-level activities over Table Storage (the
 * run's plan, the slots' claims, the batch's status), with the per-mailbox work as no-op
 * activities registered under the real activity names. The figure measures the orchestration and
 * the runtime, not a mail server.
 */
import * as df from 'durable-functions';
import '../orchestrators/migrate-batch';
import '../orchestrators/migrate-mailbox';
import '../orchestrators/provision-mailbox';
// The real step: the bench's batches have no passwords, so it finds nothing to store.
import '../activities/store-staged-secrets';
import { services } from '../shared/app/services';
import { beginBatch, claimMailbox, copyRunId, endBatch, stopBatchRun } from '../shared/migration/batch-run';
import {
  ACTIVITIES,
  type BatchRunInput,
  type BeginBatchInput,
  type ClaimInput,
} from '../shared/workflow/names';

df.app.activity(ACTIVITIES.beginBatch, {
  handler: (input: BeginBatchInput) => beginBatch(services(), input),
});
df.app.activity(ACTIVITIES.claimMailbox, { handler: (input: ClaimInput) => claimMailbox(services(), input) });
df.app.activity(ACTIVITIES.stopBatchRun, {
  handler: (input: { batchId: string; runId: string }) => stopBatchRun(services(), input),
});
df.app.activity(ACTIVITIES.endBatch, {
  handler: (input: BatchRunInput & { stopped: boolean; runIds?: string[] }) => endBatch(services(), input),
});
// The no-op mailbox steps leave every row Queued, so the copy plan is the Queued mailboxes (the
// real step lists the Provisioning ones); it is written through the same run repository.
df.app.activity(ACTIVITIES.planBatchCopy, {
  handler: async (input: BeginBatchInput) => {
    const svc = services();
    const emails: string[] = [];
    for await (const m of svc.state.mailboxes.all(input.batchId, 'Queued')) emails.push(m.email);
    const runId = copyRunId(input.runId);
    const batch = await svc.state.batches.get(input.batchId);
    const run = await svc.state.runs.createPlan(
      input.batchId,
      runId,
      emails,
      batch.options.maxConcurrentMigrations ?? 20,
    );
    return { runId, total: run.total, window: run.slots };
  },
});

/** Mailbox steps done so far, for the benchmark to measure a run it cuts short. */
export const progress = { provisioned: 0, copied: 0 };

const noop = async (): Promise<null> => null;
df.app.activity(ACTIVITIES.beginMailbox, { handler: noop });
df.app.activity(ACTIVITIES.endMailbox, { handler: noop });
df.app.activity(ACTIVITIES.writeBatchReport, { handler: noop });
df.app.activity(ACTIVITIES.recordBatchWarning, { handler: noop });
// The cutover's forwarding (no directory here) and the contacts-and-calendars step: nothing to do.
df.app.activity(ACTIVITIES.setForwarding, { handler: noop });
df.app.activity(ACTIVITIES.copyPimChunk, {
  handler: async () => ({ ok: true, done: true, events: 0, contacts: 0, skipped: 0 }),
});
df.app.activity(ACTIVITIES.provisionTarget, {
  handler: async () => {
    progress.provisioned++;
    return { ok: true, ready: true };
  },
});
df.app.activity(ACTIVITIES.copyMailboxChunk, {
  handler: async () => {
    progress.copied++;
    return { ok: true, done: true, itemsSynced: 0, itemsSkipped: 0, bytesSynced: 0 };
  },
});
