import { services } from '../shared/app/services';
import { claimMailbox } from '../shared/migration/batch-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** A window slot's next mailbox; the same token always gets the same one (safe to retry). */
registerActivity(ACTIVITIES.claimMailbox, (input) => claimMailbox(services(), input));
