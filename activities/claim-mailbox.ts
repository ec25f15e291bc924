import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { claimMailbox } from '../shared/migration/batch-run';
import { ACTIVITIES, type ClaimInput } from '../shared/workflow/names';

/** A window slot's next mailbox; the same token always gets the same one (safe to retry). */
df.app.activity(ACTIVITIES.claimMailbox, { handler: (input: ClaimInput) => claimMailbox(services(), input) });
