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

/** What is known about line 1 while its cells are read. */
interface HeaderReading {
  layout: HeaderLayout;
  keys: Array<ColumnKey | undefined>;
  lineHasAt: boolean;
  allowed: Set<ColumnKey>;
  allowUnknownColumns: boolean;
  firstIndexByName: Map<string, number>;
  /** Required columns a cell nearly names: that cell's problem already says to rename it. */
  renameHints: Set<ColumnKey>;
}

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
  const reading: HeaderReading = {
    layout: { format, width: cells.length, index: {}, extras: [] },
    keys,
    lineHasAt,
    allowed: new Set<ColumnKey>([...required, ...optional]),
    allowUnknownColumns,
    firstIndexByName: new Map(),
    renameHints: new Set(),
  };
  cells.forEach((cell, i) => {
    const problem = readHeaderCell(reading, cell, i);
    if (problem) problems.add(problem);
  });
  for (const key of required) {
    const problem = missingColumn(reading, key);
    if (problem) problems.add(problem);
  }
  return reading.layout;
}

/** Places one header cell in the layout, or says what is wrong with it. */
function readHeaderCell(reading: HeaderReading, cell: string, i: number): CsvProblem | undefined {
  const { layout, lineHasAt, allowed, firstIndexByName } = reading;
  const name = cell.trim();
  const key = reading.keys[i];
  const echo = echoableHeaderName(name, lineHasAt);
  const where = describeHeaderCell(i, key ? COLUMN_NAMES[key] : echo);
  const column = key ? COLUMN_NAMES[key] : (echo ?? describeHeaderCell(i, undefined));

  const earlier = name === '' ? undefined : firstIndexByName.get(name.toLowerCase());
  if (earlier !== undefined) {
    return {
      code: CSV_ERROR_CODES.DUPLICATE_COLUMN,
      row: 1,
      column,
      message: `The header names the same column twice: ${where} repeats ${describeHeaderCell(earlier, key ? COLUMN_NAMES[key] : echo)}. Delete one of the two columns.`,
    };
  }
  if (name !== '') firstIndexByName.set(name.toLowerCase(), i);
  if (key && allowed.has(key)) {
    layout.index[key] = i;
    return undefined;
  }
  if (!key && looksLikeSecretColumn(name)) {
    return {
      code: CSV_ERROR_CODES.UNKNOWN_COLUMN,
      row: 1,
      column,
      message: `${capitalised(where)} looks like it holds passwords. Only the Password column may (its values go to the secret store; other columns are kept as plain data): delete this column.`,
    };
  }
  if (reading.allowUnknownColumns) {
    if (name !== '') layout.extras.push({ index: i, name });
    return undefined;
  }
  return {
    code: CSV_ERROR_CODES.UNKNOWN_COLUMN,
    row: 1,
    column,
    message: unknownColumnMessage(reading, where, name, key),
  };
}

function unknownColumnMessage(
  reading: HeaderReading,
  where: string,
  name: string,
  key: ColumnKey | undefined,
): string {
  const label = FORMAT_LABELS[reading.layout.format];
  const loose = key ? undefined : looselyMatchingColumn(name);
  if (!key && name === '')
    return `${capitalised(where)} has no name in the header line. Delete the column (spreadsheets keep columns that once had content), ${KEEP_EXTRAS_HINT}.`;
  if (loose && reading.allowed.has(loose)) {
    reading.renameHints.add(loose);
    return `${capitalised(where)} looks like the ${COLUMN_NAMES[loose]} column: rename it to exactly ${COLUMN_NAMES[loose]} (header names are single words, any case).`;
  }
  return `${capitalised(where)} is not a column of the ${label}. Delete the column, ${KEEP_EXTRAS_HINT}.`;
}

/** A required column the header lacks (unless a cell nearly names it and was told to rename). */
function missingColumn(reading: HeaderReading, key: ColumnKey): CsvProblem | undefined {
  const { layout, lineHasAt } = reading;
  if (layout.index[key] !== undefined || reading.renameHints.has(key)) return undefined;
  const loose = layout.extras.find((e) => looselyMatchingColumn(e.name) === key);
  const hint = loose
    ? ` ${describeHeaderCell(loose.index, echoableHeaderName(loose.name, lineHasAt))} looks like it: rename it to ${COLUMN_NAMES[key]}.`
    : '';
  return {
    code: CSV_ERROR_CODES.MISSING_COLUMN,
    row: 1,
    column: COLUMN_NAMES[key],
    message: `The header has no ${COLUMN_NAMES[key]} column, which the ${FORMAT_LABELS[layout.format]} requires. Add it to line 1.${hint}`,
  };
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
