import { services } from '../shared/app/services';
import { planBatchCopy } from '../shared/migration/batch-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** After provisioning: the copy phase's plan (the mailboxes whose target is ready). Idempotent. */
registerActivity(ACTIVITIES.planBatchCopy, (input) => planBatchCopy(services(), input));
