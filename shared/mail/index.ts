/**
 * The mail copy engine: IMAP source → IMAP (or any MailTarget) target, faithful, incremental,
 * restartable. Activities call `planMailbox` then `copyChunk` per folder until `done`;
 * `syncMailbox` loops the same calls for the CLI, tests and the benchmark.
 */
export { planMailbox, type FolderPlan, type FolderPlanEntry } from './plan';
export { copyChunk, type ChunkResult } from './chunk';
export { syncMailbox, type SyncSummary } from './sync';
export { openSession, type MailSession } from './session';
export { type Checkpoint } from './copy';
export type {
  MailTarget,
  TargetMessage,
  Fingerprint,
  TargetFolder,
  TargetCapabilities,
  FolderRole,
} from './target';
export { ImapTarget } from './imap-target';
export {
  ExchangeOnlineTarget,
  EXCHANGE_IMAP_CONNECTIONS,
  EXCHANGE_TOO_LARGE_FIX,
  exchangeReservedFolderName,
} from './exchange-online';
export { checkExchangeMailbox, EXCHANGE_IMAP_ROLE } from './exchange-preflight';
export {
  ImapEndpointSchema,
  CopyOptionsSchema,
  parseEndpoint,
  parseOptions,
  type ImapEndpoint,
  type ImapEndpointInput,
  type MailboxLogin,
  type CopyOptions,
  type CopyOptionsInput,
  type MailContext,
  type CopyHooks,
} from './settings';
export { loginName } from './login';
export { MailError, MailErrorCode } from './errors';
export { MailState, MAIL_TABLES, type SkippedItem, type FolderState } from './state';
export type { FolderStats, MailboxStats } from './stats';
export type { FolderRename } from './folders';
