/**
 * Batch reports: built from a validated snapshot (`buildReport`), then stored and mailed
 * (`deliverReport`). Pure functions apart from `deliver.ts` and `smtp.ts`; no Azure Functions types.
 */
export { buildReport } from './build';
export type { BuiltReport, BuildOptions } from './build';
export { batchReportInputSchema, parseReportInput, countByStatus, totalsOf } from './input';
export type {
  BatchReportInput,
  ValidBatchReport,
  MailboxReport,
  SkippedItemReport,
  BatchTotals,
  MailboxCounts,
} from './input';
export { REPORT_KINDS, SET_UP_STATUSES, PENDING_STATUSES, FAILED_STATUSES, OTHER_STATUSES } from './kinds';
export type { ReportKind } from './kinds';
export { summarise, needsAttention } from './summary';
export type { ReportSummary } from './summary';
export { FILE_NAMES, STATISTICS_COLUMNS, ERRORS_COLUMNS, reportDocumentSchema } from './files';
export type { ReportFile, ReportDocument } from './files';
export { toCsv, FORMULA_TRIGGER } from './csv';
export { escapeHtml } from './html';
export { formatBytes, formatBytesExact, formatDuration } from './format';
export { REPORT_LIMITS, REPORTS_CONTAINER } from './limits';
export { cutoverReportSchema, cutoverLines, type CutoverReport } from './cutover';
export type { ReportTransport, ReportMessage, TransportReceipt } from './transport';
export { smtpTransport, smtpConfigSchema } from './smtp';
export type { SmtpConfig } from './smtp';
export { deliverReport, reportsContainer, reportBlobName } from './deliver';
export type { SkippedItemSource, StreamedReportFile } from './stream';
export type { DeliverOptions, DeliveryResult, SendResult, SendStatus } from './deliver';
