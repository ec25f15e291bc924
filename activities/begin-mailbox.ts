import { services } from '../shared/app/services';
import { beginMailbox } from '../shared/migration/mailbox-run';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Marks a mailbox running (Provisioning, or the mode's running status). Idempotent. */
registerActivity(ACTIVITIES.beginMailbox, (input) => beginMailbox(services(), input));
