/**
 * The stable codes of every CSV problem, in one place. Callers (API, blob trigger, dashboard) may
 * switch on them; never rename one, only add.
 */
export const CSV_ERROR_CODES = {
  /** The parse options themselves are wrong (caller's bug or a bad batch setting). */
  INVALID_OPTION: 'CSV_INVALID_OPTION',
  /** Nothing but whitespace in the file. */
  EMPTY: 'CSV_EMPTY',
  /** The file is larger than any valid batch can be. */
  TOO_LARGE: 'CSV_TOO_LARGE',
  /** Not UTF-8, and not UTF-16 with a byte-order mark. */
  ENCODING: 'CSV_ENCODING',
  /** Columns separated by something other than commas (Excel with a ';' list separator). */
  DELIMITER: 'CSV_DELIMITER',
  /** Line 1 does not name any known column: the header is missing. */
  MISSING_HEADER: 'CSV_MISSING_HEADER',
  /** A required column is not in the header. */
  MISSING_COLUMN: 'CSV_MISSING_COLUMN',
  /** A header cell that is not a column of the format (and the batch does not allow extras). */
  UNKNOWN_COLUMN: 'CSV_UNKNOWN_COLUMN',
  /** The same column named twice in the header. */
  DUPLICATE_COLUMN: 'CSV_DUPLICATE_COLUMN',
  /** Header only, no mailbox rows. */
  NO_ROWS: 'CSV_NO_ROWS',
  /** More data rows than the format allows. */
  TOO_MANY_ROWS: 'CSV_TOO_MANY_ROWS',
  /** A quoted field that is never closed, or has stray characters after its closing quote. */
  QUOTES: 'CSV_QUOTES',
  /** A row with more or fewer fields than the header. */
  FIELD_COUNT: 'CSV_FIELD_COUNT',
  /** An empty line (or a row of empty cells) between data rows. */
  BLANK_ROW: 'CSV_BLANK_ROW',
  /** A required cell is blank and there is no batch default for it. */
  MISSING_VALUE: 'CSV_MISSING_VALUE',
  INVALID_EMAIL: 'CSV_INVALID_EMAIL',
  DUPLICATE_EMAIL: 'CSV_DUPLICATE_EMAIL',
  PASSWORD_TOO_SHORT: 'CSV_PASSWORD_TOO_SHORT',
  /** Staged only: Microsoft 365 passwords are at most 256 characters. */
  PASSWORD_TOO_LONG: 'CSV_PASSWORD_TOO_LONG',
  INVALID_BOOLEAN: 'CSV_INVALID_BOOLEAN',
  /** A UserName, UserRoot or Password with a line break or other control character, or far too long. */
  INVALID_VALUE: 'CSV_INVALID_VALUE',
  /** Last entry when the list of problems was cut short. */
  TOO_MANY_ERRORS: 'CSV_TOO_MANY_ERRORS',
} as const;

export type CsvErrorCode = (typeof CSV_ERROR_CODES)[keyof typeof CSV_ERROR_CODES];
