/**
 * The function app's entry (package.json `main`): the Functions host, on Azure or embedded, loads
 * this module and every trigger, orchestrator and activity registers itself.
 */
import './health';
import './dashboard';
import './batches-api';
import './endpoints-api';
import './batch-drop';
import './incremental-sync';
import '../orchestrators/migrate-batch';
import '../orchestrators/migrate-mailbox';
import '../orchestrators/provision-mailbox';
import '../orchestrators/remove-batch';
import '../activities/batch-steps';
import '../activities/mailbox-steps';
import '../activities/copy-pim-chunk';
