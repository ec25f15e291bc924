import { services } from '../shared/app/services';
import { storeStagedSecrets } from '../shared/batches/staged-secrets';
import { ACTIVITIES } from '../shared/workflow/names';
import { registerActivity } from '../shared/workflow/register';

/** Stores the next chunk of a batch's sealed CSV passwords in the secret store. Idempotent. */
registerActivity(ACTIVITIES.storeStagedSecrets, (input) => storeStagedSecrets(services(), input));
