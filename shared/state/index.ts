/** State repositories over Azure Table Storage: endpoints, batches, mailboxes. */
export { createStateStore } from './store';
export type { StateStore, StateStoreOptions } from './store';
export { EndpointRepository } from './endpoints';
export { BatchRepository } from './batches';
export type { BatchRepositoryOptions } from './batches';
export { MailboxRepository } from './mailboxes';
export { RunRepository } from './runs';
export type { Claim, RunSummary } from './runs';
export type { MailboxPage, MailboxListOptions, MailboxRepositoryOptions } from './mailboxes';
export * from './model';
export {
  BATCH_TRANSITIONS,
  BATCH_ACTION_TARGETS,
  BATCH_ACTIONS,
  allowedActions,
  canTransition,
  illegalTransition,
} from './transitions';
export type { BatchAction } from './transitions';
export type { StateErrorCode } from './errors';
export { normaliseEmail, newBatchId, BATCH_ID_PATTERN } from './keys';
export { TABLE_NAMES, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits';
