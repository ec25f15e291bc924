import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { recordBatchWarning } from '../shared/migration/batch-run';
import { ACTIVITIES, type BatchWarningInput } from '../shared/workflow/names';

/** Keeps a problem that did not stop the batch (a report not written) as the batch's last error. */
df.app.activity(ACTIVITIES.recordBatchWarning, {
  handler: (input: BatchWarningInput) => recordBatchWarning(services(), input),
});
