import { CSV_ERROR_CODES } from './codes';
import {
  COLUMN_NAMES,
  FORMAT_COLUMNS,
  FORMAT_LABELS,
  columnKeyOf,
  describeHeaderCell,
  echoableHeaderName,
  looselyMatchingColumn,
  looksLikeSecretColumn,
  type ColumnKey,
} from './columns';
import type { ProblemList } from './problems';
import type { CsvRecord } from './records';
import type { CsvFormat, CsvProblem } from './types';

/** Where each column of the format sits in the file, read from line 1. */
export interface HeaderLayout {
  format: CsvFormat;
  /** Number of header cells: every row must have exactly this many. */
  width: number;
  index: Partial<Record<ColumnKey, number>>;
  /** Columns outside the format, kept when the batch allows unknown columns. */
  extras: { index: number; name: string }[];
}

const HEADER_EXAMPLES =
  'EmailAddress,Password,ForceChangePassword for a staged batch, or EmailAddress,UserName,Password,UserRoot for an IMAP batch';
const KEEP_EXTRAS_HINT = 'or set allowUnknownColumns on the batch to keep it as extra data';

/**
 * Reads the header line. Returns undefined when line 1 names no known column at all (then nothing
 * below can be read); otherwise the layout, having added any header problems to `problems`.
 */
export function readHeader(
  header: CsvRecord,
  requested: CsvFormat | 'auto',
  allowUnknownColumns: boolean,
  problems: ProblemList,
): HeaderLayout | undefined {
  const cells = header.fields;
  if (header.quoteProblem) {
    problems.add({
      code: CSV_ERROR_CODES.QUOTES,
      row: 1,
      message: `The header line has an unbalanced double quote. Write it as plain column names: ${HEADER_EXAMPLES}.`,
    });
    return undefined;
  }
  const keys = cells.map(columnKeyOf);
  const lineHasAt = cells.some((c) => c.includes('@'));
  // A cell that is nearly a column name ("Email Address") makes this a header with a typo, not a
  // missing header: the column checks below then say what to rename. A line with an address in it
  // is a data row, whatever a password in it looks like.
  const nearlyNamed = !lineHasAt && cells.some((c) => looselyMatchingColumn(c) !== undefined);
  if (!keys.some((k) => k !== undefined) && !nearlyNamed) {
    problems.add(headerlessProblem(cells));
    return undefined;
  }

  const format: CsvFormat =
    requested !== 'auto'
      ? requested
      : keys.includes('userName') || keys.includes('userRoot')
        ? 'imap'
        : 'staged';
  const { required, optional } = FORMAT_COLUMNS[format];
  const allowed = new Set<ColumnKey>([...required, ...optional]);
  const layout: HeaderLayout = { format, width: cells.length, index: {}, extras: [] };
  const firstIndexByName = new Map<string, number>();
  const renameHints = new Set<ColumnKey>();

  cells.forEach((cell, i) => {
    const name = cell.trim();
    const key = keys[i];
    const echo = echoableHeaderName(name, lineHasAt);
    const where = describeHeaderCell(i, key ? COLUMN_NAMES[key] : echo);
    const column = key ? COLUMN_NAMES[key] : (echo ?? describeHeaderCell(i, undefined));

    const earlier = name === '' ? undefined : firstIndexByName.get(name.toLowerCase());
    if (earlier !== undefined) {
      problems.add({
        code: CSV_ERROR_CODES.DUPLICATE_COLUMN,
        row: 1,
        column,
        message: `The header names the same column twice: ${where} repeats ${describeHeaderCell(earlier, key ? COLUMN_NAMES[key] : echo)}. Delete one of the two columns.`,
      });
      return;
    }
    if (name !== '') firstIndexByName.set(name.toLowerCase(), i);

    if (key && allowed.has(key)) {
      layout.index[key] = i;
      return;
    }
    if (!key && looksLikeSecretColumn(name)) {
      problems.add({
        code: CSV_ERROR_CODES.UNKNOWN_COLUMN,
        row: 1,
        column,
        message: `${capitalised(where)} looks like it holds passwords. Only the Password column may (its values go to the secret store; other columns are kept as plain data): delete this column.`,
      });
      return;
    }
    if (allowUnknownColumns) {
      if (name !== '') layout.extras.push({ index: i, name });
      return;
    }
    const loose = key ? undefined : looselyMatchingColumn(name);
    let message: string;
    if (key) {
      message = `${capitalised(where)} is not a column of the ${FORMAT_LABELS[format]}. Delete the column, ${KEEP_EXTRAS_HINT}.`;
    } else if (name === '') {
      message = `${capitalised(where)} has no name in the header line. Delete the column (spreadsheets keep columns that once had content), ${KEEP_EXTRAS_HINT}.`;
    } else if (loose && allowed.has(loose)) {
      renameHints.add(loose);
      message = `${capitalised(where)} looks like the ${COLUMN_NAMES[loose]} column: rename it to exactly ${COLUMN_NAMES[loose]} (header names are single words, any case).`;
    } else {
      message = `${capitalised(where)} is not a column of the ${FORMAT_LABELS[format]}. Delete the column, ${KEEP_EXTRAS_HINT}.`;
    }
    problems.add({ code: CSV_ERROR_CODES.UNKNOWN_COLUMN, row: 1, column, message });
  });

  for (const key of required) {
    if (layout.index[key] !== undefined || renameHints.has(key)) continue;
    const loose = layout.extras.find((e) => looselyMatchingColumn(e.name) === key);
    const hint = loose
      ? ` ${describeHeaderCell(loose.index, echoableHeaderName(loose.name, lineHasAt))} looks like it: rename it to ${COLUMN_NAMES[key]}.`
      : '';
    problems.add({
      code: CSV_ERROR_CODES.MISSING_COLUMN,
      row: 1,
      column: COLUMN_NAMES[key],
      message: `The header has no ${COLUMN_NAMES[key]} column, which the ${FORMAT_LABELS[format]} requires. Add it to line 1.${hint}`,
    });
  }
  return layout;
}

/** Line 1 names no known column: say why, without repeating its cells (they may be a data row). */
function headerlessProblem(cells: string[]): CsvProblem {
  const only = cells.length === 1 ? (cells[0] ?? '') : '';
  for (const [separator, label] of [
    [';', 'semicolons'],
    ['\t', 'tabs'],
  ] as const) {
    if (only.split(separator).some((part) => columnKeyOf(part.replace(/^"|"$/g, '')) !== undefined)) {
      return {
        code: CSV_ERROR_CODES.DELIMITER,
        row: 1,
        message:
          `The columns are separated by ${label}; a batch CSV separates them with commas. ` +
          'In Excel use "Save As" → "CSV UTF-8 (Comma delimited)" (if Excel still writes semicolons, your region uses ";" as list separator: change it or export from another tool).',
      };
    }
  }
  if (cells.every((c) => c.trim() === '')) {
    return {
      code: CSV_ERROR_CODES.MISSING_HEADER,
      row: 1,
      message: `Line 1 is empty. The header line must be the first line of the file: ${HEADER_EXAMPLES}.`,
    };
  }
  const looksLikeData = cells.some((c) => c.includes('@'));
  return {
    code: CSV_ERROR_CODES.MISSING_HEADER,
    row: 1,
    message:
      `Line 1 must be the header line naming the columns: ${HEADER_EXAMPLES}.` +
      (looksLikeData ? ' Line 1 looks like a mailbox row: insert the header line above it.' : ''),
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
