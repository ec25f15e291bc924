import { services } from '../shared/app/services';
import { recordBatchWarning } from '../shared/migration/batch-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Keeps a problem that did not stop the batch (a report not written) as the batch's last error. */
registerActivity(ACTIVITIES.recordBatchWarning, (input) => recordBatchWarning(services(), input));
