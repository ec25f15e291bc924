import { code } from './code-spec';

/** The batch CSV: what is wrong with the file or a row, and how to fix it. */
export const CSV_CODES = {
  CSV_INVALID: code(422, 'Fix the listed rows and upload the CSV again.'),
  CSV_EMPTY: code(422, 'Upload a CSV with a header line and at least one mailbox row.'),
  CSV_NO_ROWS: code(422, 'Add at least one mailbox row under the header.'),
  CSV_TOO_LARGE: code(413, 'Split the mailboxes into several batches.'),
  CSV_TOO_MANY_ROWS: code(422, 'Split the mailboxes into several batches.'),
  CSV_TOO_MANY_ERRORS: code(422, 'Fix the first problems listed and upload again to see the rest.'),
  CSV_ENCODING: code(422, 'Save the CSV as UTF-8 (or UTF-16 with a byte order mark).'),
  CSV_UNREADABLE: code(422, 'Save the file as a comma-separated CSV and upload it again.'),
  CSV_DELIMITER: code(422, 'Separate the fields with commas.'),
  CSV_QUOTES: code(422, 'Close the quoted field, or double the quote inside it.'),
  CSV_FIELD_COUNT: code(422, 'Give the row as many fields as the header has.'),
  CSV_BLANK_ROW: code(422, 'Remove the blank row.'),
  CSV_MISSING_HEADER: code(422, 'Start the CSV with a header line such as EmailAddress.'),
  CSV_MISSING_COLUMN: code(422, 'Add the named column to the header.'),
  CSV_DUPLICATE_COLUMN: code(422, 'Keep the column only once in the header.'),
  CSV_UNKNOWN_COLUMN: code(422, 'Remove the column, or allow unknown columns for this batch.'),
  CSV_MISSING_VALUE: code(422, 'Fill in the named cell.'),
  CSV_INVALID_VALUE: code(422, 'Correct the named cell.'),
  CSV_INVALID_EMAIL: code(422, 'Write the address as name@domain.'),
  CSV_DUPLICATE_EMAIL: code(422, 'List each mailbox only once.'),
  CSV_INVALID_BOOLEAN: code(422, 'Write True or False.'),
  CSV_INVALID_OPTION: code(422, 'Correct the named batch option.'),
  CSV_PASSWORD_TOO_SHORT: code(422, 'Use a password of at least 8 characters.'),
  CSV_PASSWORD_TOO_LONG: code(422, 'Use a shorter password.'),
} as const;
