/**
 * The function app's entry (package.json `main`): the Functions host, on Azure or embedded, loads
 * this module and every trigger, orchestrator and activity registers itself.
 */
import './health';
import './dashboard';
import './batches-api';
import './batch-plan-api';
import '../orchestrators/plan-batch';
import './reports-api';
import './mailbox-folders-api';
import './endpoints-api';
import './batch-drop';
import './batch-scheduler';
import '../orchestrators/migrate-batch';
import '../orchestrators/migrate-mailbox';
import '../orchestrators/provision-mailbox';
import '../orchestrators/remove-batch';
import '../activities';
import './dns-api';
import './cutover-api';
