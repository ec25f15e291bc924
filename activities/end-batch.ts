import { services } from '../shared/app/services';
import { endBatch } from '../shared/migration/batch-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** A batch run's end: the batch's status from its mailboxes' counts, the run's plans closed. Idempotent. */
registerActivity(ACTIVITIES.endBatch, (input) => endBatch(services(), input));
