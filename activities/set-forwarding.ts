import { services } from '../shared/app/services';
import { setForwarding } from '../shared/cutover/forwarding';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/**
 * Cutover forwarding for one mailbox whose target is ready: the source user's targetAddress points
 * at the new mailbox. Idempotent (a rerun finds the value set); a problem is a coded warning on the
 * mailbox's forwarding record, never a failed mailbox.
 */
registerActivity(ACTIVITIES.setForwarding, (input) => setForwarding(services(), input.batchId, input.email));
