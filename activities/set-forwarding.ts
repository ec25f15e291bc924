import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { setForwarding } from '../shared/cutover/forwarding';
import { ACTIVITIES, type MailboxRunInput } from '../shared/workflow/names';

/**
 * Cutover forwarding for one mailbox whose target is ready: the source user's targetAddress points
 * at the new mailbox. Idempotent (a rerun finds the value set); a problem is a coded warning on the
 * mailbox's forwarding record, never a failed mailbox.
 */
df.app.activity(ACTIVITIES.setForwarding, {
  handler: (input: MailboxRunInput) => setForwarding(services(), input.batchId, input.email),
});
