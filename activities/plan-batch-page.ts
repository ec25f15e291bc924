import { services } from '../shared/app/services';
import { planPage } from '../shared/plan/plan-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Plans one page of a batch's mailboxes and stores it (idempotent: a retry rewrites the same page). */
registerActivity(ACTIVITIES.planBatchPage, (input) => planPage(services(), input));
