import { services } from '../shared/app/services';
import { beginBatch } from '../shared/migration/batch-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** A batch run's start: the batch is marked running and the run's plan written. Idempotent (a replay finds it done). */
registerActivity(ACTIVITIES.beginBatch, (input) => beginBatch(services(), input));
