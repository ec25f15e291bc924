/** Microsoft Graph: client, tenant preflight, target users, mail target and report transport. */
export {
  GraphClient,
  mailboxOfPath,
  type GraphClientOptions,
  type RequestOptions,
  type BatchRequest,
  type BatchResult,
  type GraphClientStats,
} from './client';
export { GraphError, isGraphError, graphErrorFrom } from './errors';
export { MailboxBudget, BudgetRegistry, type BudgetClaim } from './budget';
export {
  EXCHANGE_ONLINE_GRAPH_LIMITS,
  BATCH_LIMITS,
  RETRY_LIMITS,
  MESSAGE_LIMITS,
  scaledLimits,
  type GraphLimits,
} from './limits';
export { retryAfterDeadline } from './retryAfter';
export { preflightTenant, addressDomains, type PreflightResult } from './preflight';
export {
  findTargetUser,
  getTargetUser,
  checkMailboxReady,
  assignLicence,
  applyStagedPassword,
  MAILBOX_WAIT,
  type MailboxWait,
  type TargetUser,
  type MailboxReadiness,
  type LicenceOutcome,
  type PasswordOutcome,
} from './users';
export {
  mimeToGraphMessage,
  ITEM_KEY_PROPERTY,
  PENDING_KEY_PROPERTY,
  MAPI,
  type ConvertedMessage,
  type GraphAttachment,
} from './mime';
export {
  GraphMailTarget,
  GRAPH_WELL_KNOWN,
  type GraphMailTargetOptions,
  type GraphAppendResult,
} from './mailTarget';
export { graphReportTransport, SENDMAIL_LIMITS } from './sendMail';
export { graphClientFromSettings, tokenProviderFromSettings } from './fromSettings';
