/**
 * Batch CSV ingestion (docs/architecture.md, "Batch CSV formats"): parse and validate the staged and IMAP formats, and
 * make the password-free copy that may be stored.
 */
export { parseBatchCsv } from './parse';
export { redactPasswords } from './redact';
export { CSV_ERROR_CODES, type CsvErrorCode } from './codes';
export { CSV_LIMITS } from './limits';
export { csvParseOptionsSchema } from './options';
export type { BatchRow, CsvFormat, CsvParseOptions, CsvParseResult, CsvProblem } from './types';
