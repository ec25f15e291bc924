import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { stopBatchRun } from '../shared/migration/batch-run';
import { ACTIVITIES } from '../shared/workflow/names';

/** Closes a run's plan after a stop: no slot claims another mailbox. Idempotent. */
df.app.activity(ACTIVITIES.stopBatchRun, {
  handler: (input: { batchId: string; runId: string }) => stopBatchRun(services(), input),
});
