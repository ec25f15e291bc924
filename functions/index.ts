/**
 * The function app's entry (package.json `main`): the Functions host, on Azure or embedded, loads
 * this module and every trigger, orchestrator and activity registers itself.
 */
import './health';
import './dashboard';
import './batches-api';
import './reports-api';
import './mailbox-folders-api';
import './endpoints-api';
import './batch-drop';
import './batch-scheduler';
import '../orchestrators/migrate-batch';
import '../orchestrators/migrate-mailbox';
import '../orchestrators/provision-mailbox';
import '../orchestrators/remove-batch';
import '../activities/batch-steps';
import '../activities/mailbox-steps';
import '../activities/set-forwarding';
import '../activities/write-cutover-pack';
import './dns-api';
import './cutover-api';
import '../activities/copy-pim-chunk';
