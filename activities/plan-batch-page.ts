import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { planPage } from '../shared/plan/plan-run';
import { PLAN_PAGE_ACTIVITY, type PlanRunInput } from '../shared/workflow/plan-names';

/** Plans one page of a batch's mailboxes and stores it (idempotent: a retry rewrites the same page). */
df.app.activity(PLAN_PAGE_ACTIVITY, {
  handler: (input: PlanRunInput) => planPage(services(), input),
});
