import { services } from '../shared/app/services';
import { stopBatchRun } from '../shared/migration/batch-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Closes a run's plan after a stop: no slot claims another mailbox. Idempotent. */
registerActivity(ACTIVITIES.stopBatchRun, (input) => stopBatchRun(services(), input));
