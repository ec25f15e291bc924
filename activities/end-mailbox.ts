import { services } from '../shared/app/services';
import { endMailbox } from '../shared/migration/mailbox-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Records a mailbox's outcome on its row: its final status, error, rate and time. */
registerActivity(ACTIVITIES.endMailbox, (outcome) => endMailbox(services(), outcome));
