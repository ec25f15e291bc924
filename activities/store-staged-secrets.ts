import * as df from 'durable-functions';
import { services } from '../shared/app/services';
import { storeStagedSecrets } from '../shared/batches/staged-secrets';
import { ACTIVITIES } from '../shared/workflow/names';

/** Stores the next chunk of a batch's sealed CSV passwords in the secret store. Idempotent. */
df.app.activity(ACTIVITIES.storeStagedSecrets, {
  handler: (input: { batchId: string; from: number }) => storeStagedSecrets(services(), input),
});
