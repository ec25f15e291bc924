import { services } from '../shared/app/services';
import { provisionTarget } from '../shared/migration/connectors';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** One look at a mailbox's target: ready, not yet (look again later), or a coded error. */
registerActivity(ACTIVITIES.provisionTarget, (input) =>
  provisionTarget(services(), input.batchId, input.email, input.attempt),
);
