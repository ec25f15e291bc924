/**
 * Every activity of the function app, one per file and named after it; each registers itself under
 * its name from shared/workflow/names.ts with the types of its contract (shared/workflow/contracts.ts).
 */
import './begin-batch';
import './store-staged-secrets';
import './plan-batch-copy';
import './claim-mailbox';
import './stop-batch-run';
import './end-batch';
import './write-batch-report';
import './record-batch-warning';
import './write-cutover-pack';
import './remove-batch-data';
import './begin-mailbox';
import './provision-target';
import './set-forwarding';
import './copy-mailbox-chunk';
import './copy-pim-chunk';
import './end-mailbox';
import './plan-batch-page';
