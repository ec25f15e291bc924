import type { CsvFormat } from './types';

/**
 * The columns of the two formats (docs/architecture.md, "Batch CSV formats") and how header cells are named back to the
 * administrator.
 */

export type ColumnKey = 'emailAddress' | 'password' | 'forceChangePassword' | 'userName' | 'userRoot';

/** How each column is spelled in the formats; header cells match these ignoring case and outer spaces. */
export const COLUMN_NAMES: Record<ColumnKey, string> = {
  emailAddress: 'EmailAddress',
  password: 'Password',
  forceChangePassword: 'ForceChangePassword',
  userName: 'UserName',
  userRoot: 'UserRoot',
};

export const FORMAT_COLUMNS: Record<CsvFormat, { required: ColumnKey[]; optional: ColumnKey[] }> = {
  staged: { required: ['emailAddress'], optional: ['password', 'forceChangePassword'] },
  imap: { required: ['emailAddress', 'userName', 'password'], optional: ['userRoot'] },
};

export const FORMAT_LABELS: Record<CsvFormat, string> = {
  staged: 'staged format (EmailAddress,Password,ForceChangePassword)',
  imap: 'IMAP format (EmailAddress,UserName,Password,UserRoot)',
};

const KEY_BY_LOWER_NAME = new Map<string, ColumnKey>(
  (Object.entries(COLUMN_NAMES) as [ColumnKey, string][]).map(([key, name]) => [name.toLowerCase(), key]),
);

export function columnKeyOf(headerCell: string): ColumnKey | undefined {
  return KEY_BY_LOWER_NAME.get(headerCell.trim().toLowerCase());
}

/** "Email Address", "email_address", "E-mail Address" → emailAddress: for "rename it" hints only. */
export function looselyMatchingColumn(headerCell: string): ColumnKey | undefined {
  const squashed = headerCell.toLowerCase().replace(/[^a-z]/g, '');
  return KEY_BY_LOWER_NAME.get(squashed === 'mailaddress' ? 'emailaddress' : squashed);
}

/**
 * Extra columns are kept as plain data (in tables, in the stored copy), so one that looks like it
 * holds secrets ("OldPassword", "Passwd", "Kennwort", "AdminPwd") is refused even when the batch
 * allows unknown columns, and blanked by redactPasswords.
 */
export function looksLikeSecretColumn(headerCell: string): boolean {
  return /passw|passe|pwd|secret|passcode|passphrase|kennwort|contrase/.test(
    headerCell.toLowerCase().replace(/[^a-z]/g, ''),
  );
}

/** Spreadsheet letter of a 0-based column index: 0 → A, 25 → Z, 26 → AA. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

/**
 * A header cell is echoed in messages only when it is a single word of letters, as column names are
 * (the formats name every header with a single word). When the header line is really a data row (header
 * missing, or joined with the first row by a lost line break) its cells may hold a password; one
 * that meets Microsoft 365 complexity rules (three of: upper case, lower case, digits, symbols)
 * cannot be letters only. A header line containing "@" is data for sure and is never echoed.
 */
export function echoableHeaderName(headerCell: string, headerLineHasAt: boolean): string | undefined {
  const name = headerCell.trim();
  return !headerLineHasAt && /^[A-Za-z]{1,40}$/.test(name) ? name : undefined;
}

/** `column D ("Department")`, or `column D` when the name is not safe to repeat. */
export function describeHeaderCell(index: number, echoName: string | undefined): string {
  return echoName === undefined
    ? `column ${columnLetter(index)}`
    : `column ${columnLetter(index)} ("${echoName}")`;
}
