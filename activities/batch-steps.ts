import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { beginBatch, endBatch } from '../shared/migration/batch-run';
import { removeBatchData } from '../shared/batches/remove';
import { writeBatchReport } from '../shared/migration/report';
import {
  ACTIVITIES,
  type BatchRunInput,
  type BeginBatchInput,
  type ReportInput,
} from '../shared/workflow/names';
// The batch window's own steps, one activity per file.
import './claim-mailbox';
import './stop-batch-run';
import './plan-batch-copy';
import './record-batch-warning';
import './store-staged-secrets';

/** Batch-level steps of migrateBatch; each is idempotent (a replayed call finds the work done). */
df.app.activity(ACTIVITIES.beginBatch, {
  handler: (input: BeginBatchInput) => beginBatch(services(), input),
});
df.app.activity(ACTIVITIES.endBatch, {
  handler: (input: BatchRunInput & { stopped: boolean; runIds?: string[] }) => endBatch(services(), input),
});
df.app.activity(ACTIVITIES.writeBatchReport, {
  handler: (input: ReportInput) => writeBatchReport(services(), input),
});
df.app.activity(ACTIVITIES.removeBatchData, {
  // The durable client purges the batch's orchestration history.
  extraInputs: [df.input.durableClient()],
  handler: (batchId: string, context) => removeBatchData(services(), batchId, df.getClient(context)),
});
