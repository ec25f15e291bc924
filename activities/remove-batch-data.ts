import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { removeBatchData } from '../shared/batches/remove';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Deletes what a batch left behind; every step is idempotent, so a retried call finishes the job. */
registerActivity(
  ACTIVITIES.removeBatchData,
  (batchId, context) => removeBatchData(services(), batchId, df.getClient(context)),
  // The durable client purges the batch's orchestration history.
  { extraInputs: [df.input.durableClient()] },
);
