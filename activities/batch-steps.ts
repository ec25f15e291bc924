import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { beginBatch, endBatch } from '../shared/migration/batch-run';
import { removeBatchData } from '../shared/batches/remove';
import { writeBatchReport } from '../shared/migration/report';
import { ACTIVITIES, type BatchRunInput, type ReportInput } from '../shared/workflow/names';

/** Batch-level steps of migrateBatch; each is idempotent (a replayed call finds the work done). */
df.app.activity(ACTIVITIES.beginBatch, { handler: (input: BatchRunInput) => beginBatch(services(), input) });
df.app.activity(ACTIVITIES.endBatch, {
  handler: (input: BatchRunInput & { stopped: boolean }) => endBatch(services(), input),
});
df.app.activity(ACTIVITIES.writeBatchReport, {
  handler: (input: ReportInput) => writeBatchReport(services(), input),
});
df.app.activity(ACTIVITIES.removeBatchData, {
  // The durable client purges the batch's orchestration history.
  extraInputs: [df.input.durableClient()],
  handler: (batchId: string, context) => removeBatchData(services(), batchId, df.getClient(context)),
});
