import { z } from 'zod';
import { CSV_ERROR_CODES } from './codes';
import { COLUMN_NAMES, type ColumnKey } from './columns';
import type { HeaderLayout } from './header';
import { CSV_LIMITS } from './limits';
import type { ProblemList } from './problems';
import { isBlankRecord, type CsvRecord } from './records';
import type { BatchRow, CsvProblem } from './types';

/**
 * Checks the data rows cell by cell. This is the hot path (50,000 IMAP rows in well under half a
 * second, see bench/csv.ts), so the cells are checked by hand with zod's own email pattern instead of
 * a zod object per row. Messages name the line and column and say how to fix the cell; they never
 * repeat a cell's value (a misplaced password could be in any cell), except an address that is
 * valid and duplicated.
 */

const EMAIL_PATTERN = z.regexes.email;

export interface RowDefaults {
  password?: string;
  forceChangePassword?: boolean;
}

/** One data row being read: its line, its cells, and the cell of a column (undefined when absent). */
interface RowCells {
  line: number;
  at: (key: ColumnKey) => string | undefined;
}

export function validateRows(
  records: CsvRecord[],
  layout: HeaderLayout,
  defaults: RowDefaults,
  problems: ProblemList,
): BatchRow[] {
  const rows: BatchRow[] = [];
  const firstLineByAddress = new Map<string, number>();
  const { index, width, format, extras } = layout;
  for (const record of records) {
    const { line, fields } = record;
    const shape = shapeProblem(record, width);
    if (shape) {
      problems.add(shape);
      continue;
    }
    const cells: RowCells = {
      line,
      at: (key) => {
        const i = index[key];
        return i === undefined ? undefined : fields[i];
      },
    };
    const row: BatchRow = { line, emailAddress: '' };
    const email = checkEmail(cells.at('emailAddress'), line, problems);
    if (email !== undefined) {
      const first = firstLineByAddress.get(email);
      if (first === undefined) {
        firstLineByAddress.set(email, line);
        row.emailAddress = email;
      } else problems.add(duplicateAddress(email, first, line));
    }
    const password = cells.at('password');
    const passwordGiven = password !== undefined && password.trim() !== '';
    if (passwordGiven) row.password = password;
    else if (defaults.password !== undefined) row.password = defaults.password;
    if (passwordGiven) checkPlainValue(password, 'password', line, problems);
    if (format === 'staged')
      readStagedCells(row, cells, passwordGiven ? password : undefined, defaults, problems);
    else readImapCells(row, cells, index, problems);
    if (extras.length > 0) {
      row.extra = {};
      for (const extra of extras) row.extra[extra.name] = fields[extra.index] ?? '';
    }
    rows.push(row);
  }
  return rows;
}

/** A row that cannot be read at all: an open quote, an empty line, or the wrong number of fields. */
function shapeProblem(record: CsvRecord, width: number): CsvProblem | undefined {
  const { line, fields } = record;
  if (record.quoteProblem) {
    return {
      code: CSV_ERROR_CODES.QUOTES,
      row: line,
      message:
        record.quoteProblem === 'unclosed'
          ? `Line ${line} opens a double quote that is never closed, so the rest of the file reads as one value. Close the quote, or remove it if the value needs none.`
          : `Line ${line} has a value with text after its closing double quote. Put the whole value in quotes and double any quote inside it ("" for ").`,
    };
  }
  if (isBlankRecord(record)) {
    return {
      code: CSV_ERROR_CODES.BLANK_ROW,
      row: line,
      message: `Line ${line} is empty. Delete it (only empty lines at the end of the file are ignored).`,
    };
  }
  if (fields.length === width) return undefined;
  return {
    code: CSV_ERROR_CODES.FIELD_COUNT,
    row: line,
    message:
      `Line ${line} has ${fields.length} field(s) but the header has ${width}. ` +
      (fields.length > width
        ? 'Put values that contain a comma in double quotes, or delete the extra commas.'
        : 'Add the missing commas so that every row has one field per header column (a field may be empty).'),
  };
}

function duplicateAddress(email: string, first: number, line: number): CsvProblem {
  return {
    code: CSV_ERROR_CODES.DUPLICATE_EMAIL,
    row: line,
    column: COLUMN_NAMES.emailAddress,
    firstRow: first,
    message: `The address ${email} is on line ${first} and again on line ${line}. A mailbox can be in a batch only once: delete one of the two rows.`,
  };
}

/** A staged row: the password's length, and ForceChangePassword as True, False or the batch's default. */
function readStagedCells(
  row: BatchRow,
  cells: RowCells,
  givenPassword: string | undefined,
  defaults: RowDefaults,
  problems: ProblemList,
): void {
  const { line } = cells;
  if (givenPassword !== undefined) checkStagedPassword(givenPassword, line, problems);
  const force = cells.at('forceChangePassword');
  const forceValue = force === undefined ? undefined : force.trim().toLowerCase();
  if (forceValue === 'true') row.forceChangePassword = true;
  else if (forceValue === 'false') row.forceChangePassword = false;
  else if (forceValue === undefined || forceValue === '') {
    if (defaults.forceChangePassword !== undefined) row.forceChangePassword = defaults.forceChangePassword;
  } else {
    problems.add({
      code: CSV_ERROR_CODES.INVALID_BOOLEAN,
      row: line,
      column: COLUMN_NAMES.forceChangePassword,
      message: `ForceChangePassword on line ${line} must be True or False (any case), or empty to use the batch setting.`,
    });
  }
}

/** An IMAP row: a password and a login name are needed; the folder root is optional. */
function readImapCells(
  row: BatchRow,
  cells: RowCells,
  index: HeaderLayout['index'],
  problems: ProblemList,
): void {
  const { line } = cells;
  // A column missing from the header is reported once there, not again on every row.
  if (row.password === undefined && index.password !== undefined) {
    problems.add({
      code: CSV_ERROR_CODES.MISSING_VALUE,
      row: line,
      column: COLUMN_NAMES.password,
      message: `Password on line ${line} is empty. Give the source mailbox's password (or the admin's, when UserName uses the proxy form), or set a default password on the batch.`,
    });
  }
  const userName = (cells.at('userName') ?? '').trim();
  if (userName === '' && index.userName !== undefined) {
    problems.add({
      code: CSV_ERROR_CODES.MISSING_VALUE,
      row: line,
      column: COLUMN_NAMES.userName,
      message: `UserName on line ${line} is empty. Give the login name at the source, or the admin proxy form (Exchange DOMAIN/admin/user, Dovecot user*admin).`,
    });
  } else if (userName !== '' && checkPlainValue(userName, 'userName', line, problems))
    row.userName = userName;
  const userRoot = (cells.at('userRoot') ?? '').trim();
  if (userRoot !== '' && checkPlainValue(userRoot, 'userRoot', line, problems)) row.userRoot = userRoot;
}

/** Returns the address trimmed and lower-cased, or undefined after adding a problem. */
function checkEmail(cell: string | undefined, line: number, problems: ProblemList): string | undefined {
  if (cell === undefined) return undefined; // no EmailAddress column: reported once, on the header
  const email = cell.trim().toLowerCase();
  if (email === '') {
    problems.add({
      code: CSV_ERROR_CODES.MISSING_VALUE,
      row: line,
      column: COLUMN_NAMES.emailAddress,
      message: `EmailAddress on line ${line} is empty. Every row needs the mailbox's address in Microsoft 365, e.g. jane.doe@contoso.com; or delete the row.`,
    });
    return undefined;
  }
  if (email.length > CSV_LIMITS.emailMaxLength || !EMAIL_PATTERN.test(email)) {
    problems.add({
      code: CSV_ERROR_CODES.INVALID_EMAIL,
      row: line,
      column: COLUMN_NAMES.emailAddress,
      message:
        `EmailAddress on line ${line} is not a valid email address. Write only the address, like jane.doe@contoso.com: ` +
        'no display name, spaces, angle brackets or second address' +
        // eslint-disable-next-line no-control-regex
        (/[^\x00-\x7f]/.test(email)
          ? ', and only ASCII letters (write accented letters without accents).'
          : '.'),
    });
    return undefined;
  }
  return email;
}

/**
 * A login name, folder root or password is one line of printable text. A line break in one almost
 * always means a quote left open on that line has swallowed the next rows (passwords included),
 * which must not be accepted as a strange but valid value.
 */
function checkPlainValue(value: string, key: ColumnKey, line: number, problems: ProblemList): boolean {
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.test(value);
  if (!control && value.length <= CSV_LIMITS.maxValueLength) return true;
  problems.add({
    code: CSV_ERROR_CODES.INVALID_VALUE,
    row: line,
    column: COLUMN_NAMES[key],
    message: control
      ? `${COLUMN_NAMES[key]} on line ${line} contains a line break or another control character. Usually a double quote on that line is not closed where it should be: check the quotes on line ${line}.`
      : `${COLUMN_NAMES[key]} on line ${line} is longer than ${CSV_LIMITS.maxValueLength} characters. Check that the value is in the right column and that its quotes are closed.`,
  });
  return false;
}

function checkStagedPassword(password: string, line: number, problems: ProblemList): void {
  const { stagedPasswordMinLength: min, stagedPasswordMaxLength: max } = CSV_LIMITS;
  // Characters, not UTF-16 code units: an emoji is one character to the administrator. Counting
  // code points costs an array, so only when the quick count is near a limit.
  const quick = password.length;
  const length = quick >= 2 * min && quick <= max ? quick : [...password].length;
  if (length < min) {
    problems.add({
      code: CSV_ERROR_CODES.PASSWORD_TOO_SHORT,
      row: line,
      column: COLUMN_NAMES.password,
      message: `Password on line ${line} is shorter than ${min} characters. Use at least ${min} characters, or leave the cell empty to use the batch's password.`,
    });
  } else if (length > max) {
    problems.add({
      code: CSV_ERROR_CODES.PASSWORD_TOO_LONG,
      row: line,
      column: COLUMN_NAMES.password,
      message: `Password on line ${line} is longer than ${max} characters, the most Microsoft 365 accepts. Use a shorter one, or leave the cell empty to use the batch's password.`,
    });
  }
}
