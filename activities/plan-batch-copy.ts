import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { planBatchCopy } from '../shared/migration/batch-run';
import { ACTIVITIES, type BeginBatchInput } from '../shared/workflow/names';

/** After provisioning: the copy phase's plan (the mailboxes whose target is ready). Idempotent. */
df.app.activity(ACTIVITIES.planBatchCopy, {
  handler: (input: BeginBatchInput) => planBatchCopy(services(), input),
});
