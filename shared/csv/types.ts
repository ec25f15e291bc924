import type { CsvErrorCode } from './codes';

/** `staged`: EmailAddress,Password,ForceChangePassword. `imap`: EmailAddress,UserName,Password[,UserRoot]. */
export type CsvFormat = 'staged' | 'imap';

/**
 * One problem with a batch CSV, as data. `row` is the line number a text editor shows (header =
 * line 1; a record whose quoted field spans lines is reported at the line where it starts); it is
 * absent only for problems of the whole file. `column` is the column's name as the format spells it
 * (or, for a header cell we will not echo, its spreadsheet letter such as `column D`). The message
 * says how to fix the problem and never contains a password. A type alias (not an interface) so that
 * it is assignable to the project-wide `ProblemDetail`.
 */
export type CsvProblem = {
  code: CsvErrorCode;
  message: string;
  row?: number;
  column?: string;
  /** For CSV_DUPLICATE_EMAIL: the line where the address first appears. */
  firstRow?: number;
};

/** One mailbox of a batch, after validation and after batch defaults were applied. */
export interface BatchRow {
  /** Line of the file where this row starts (for messages about it later). */
  line: number;
  /** Trimmed and lower-cased. */
  emailAddress: string;
  /** The cell as written (not trimmed: spaces may be part of a password), or the batch default. */
  password?: string;
  /** Staged only: the cell, or the batch default. */
  forceChangePassword?: boolean;
  /** IMAP only: login name at the source, or the admin proxy form (`DOMAIN/admin/user`, `user*admin`). */
  userName?: string;
  /** IMAP only, optional: the mailbox root at the source. */
  userRoot?: string;
  /** Cells of columns outside the format, by header name, when the batch allows unknown columns. */
  extra?: Record<string, string>;
}

export interface CsvParseOptions {
  /** Force a format; `auto` (default) reads it from the header (UserName or UserRoot means IMAP). */
  format?: CsvFormat | 'auto';
  /** Keep columns outside the format in `extra` instead of rejecting the file. */
  allowUnknownColumns?: boolean;
  /** Batch-level settings that a blank cell inherits. */
  defaults?: { password?: string; forceChangePassword?: boolean };
}

export type CsvParseResult =
  { ok: true; format: CsvFormat; rows: BatchRow[] } | { ok: false; format?: CsvFormat; errors: CsvProblem[] };
