/**
 * A function app for the batch window tests: the REAL orchestrators (migrateBatch and its window
 * slots, provisionMailbox, migrateMailbox) and the real batch and mailbox-status activities over
 * Table Storage; only the work on a mailbox (provisioning a target, copying a chunk) and the report
 * are stand-ins that record what happened, so a test can see the window from the inside.
 */
import * as df from 'durable-functions';
import '../../../orchestrators/migrate-batch';
import '../../../orchestrators/migrate-mailbox';
import '../../../orchestrators/provision-mailbox';
import '../../../activities/claim-mailbox';
import '../../../activities/stop-batch-run';
import '../../../activities/plan-batch-copy';
import '../../../activities/record-batch-warning';
import '../../../activities/store-staged-secrets';
import { services } from '../../../shared/app/services';
import { beginBatch, endBatch } from '../../../shared/migration/batch-run';
import { beginMailbox, endMailbox } from '../../../shared/migration/mailbox-run';
import {
  ACTIVITIES,
  type BatchRunInput,
  type BeginBatchInput,
  type MailboxOutcome,
  type MailboxRunInput,
} from '../../../shared/workflow/names';
import { work } from './work';

df.app.activity(ACTIVITIES.beginBatch, {
  handler: (input: BeginBatchInput) => beginBatch(services(), input),
});
df.app.activity(ACTIVITIES.endBatch, {
  handler: (input: BatchRunInput & { stopped: boolean; runIds?: string[] }) => endBatch(services(), input),
});
df.app.activity(ACTIVITIES.beginMailbox, {
  handler: (input: MailboxRunInput) => beginMailbox(services(), input),
});
df.app.activity(ACTIVITIES.endMailbox, {
  handler: (outcome: MailboxOutcome) => endMailbox(services(), outcome),
});
// The cutover's forwarding (the batch names no directory) and the contacts-and-calendars step.
df.app.activity(ACTIVITIES.setForwarding, { handler: async () => ({ ok: true }) });
df.app.activity(ACTIVITIES.copyPimChunk, {
  handler: async () => ({ ok: true, done: true, events: 0, contacts: 0, skipped: 0 }),
});
df.app.activity(ACTIVITIES.provisionTarget, {
  handler: async (input: MailboxRunInput) => {
    await work.run('provision', input.email);
    return { ok: true, ready: true };
  },
});
df.app.activity(ACTIVITIES.copyMailboxChunk, {
  handler: async (input: MailboxRunInput) => {
    await work.run('copy', input.email);
    return { ok: true, done: true, itemsSynced: 1, itemsSkipped: 0, bytesSynced: 1 };
  },
});
df.app.activity(ACTIVITIES.writeBatchReport, {
  handler: async (input: { kind?: string; mode: string }) => {
    work.reports.push(input.kind ?? input.mode);
    if (work.failReports > 0) {
      work.failReports--;
      throw new Error('reports container: 503 Server Busy');
    }
    return { blobs: [] };
  },
});
