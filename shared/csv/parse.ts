import { CSV_ERROR_CODES } from './codes';
import { FORMAT_LABELS } from './columns';
import { decodeCsvInput } from './decode';
import { readHeader } from './header';
import { CSV_LIMITS } from './limits';
import { checkDefaultsForFormat, checkOptions } from './options';
import { ProblemList } from './problems';
import { readRecords, withoutTrailingBlanks } from './records';
import { validateRows } from './rows';
import type { CsvFormat, CsvParseOptions, CsvParseResult } from './types';

const MAX_ROWS: Record<CsvFormat, number> = {
  staged: CSV_LIMITS.stagedMaxRows,
  imap: CSV_LIMITS.imapMaxRows,
};

/**
 * Reads and validates a batch CSV (docs/architecture.md, "Batch CSV formats": staged or IMAP). Never throws for
 * bad input: either every row, with batch defaults applied, or every problem found (up to
 * CSV_LIMITS.maxProblems), each with the line to fix.
 */
export function parseBatchCsv(input: Buffer | string, options?: CsvParseOptions): CsvParseResult {
  const problems = new ProblemList();
  const checked = checkOptions(options, problems);
  if (!checked) return { ok: false, errors: problems.list() };

  const text = decodeCsvInput(input, problems);
  if (text === undefined) return { ok: false, errors: problems.list() };
  // Blank means no cell with content: an empty file, but also one of only commas and quotes.
  const [header, ...data] = withoutTrailingBlanks(readRecords(text));
  if (!header) {
    problems.add({
      code: CSV_ERROR_CODES.EMPTY,
      message: `The file is empty. It needs a header line (${FORMAT_LABELS.staged}, or ${FORMAT_LABELS.imap}) and one line per mailbox.`,
    });
    return { ok: false, errors: problems.list() };
  }
  const layout = readHeader(header, checked.format, checked.allowUnknownColumns, problems);
  if (!layout) return { ok: false, errors: problems.list() };
  const { format } = layout;
  checkDefaultsForFormat(checked, format, problems);

  if (data.length === 0) {
    problems.add({
      code: CSV_ERROR_CODES.NO_ROWS,
      message: 'The file has a header but no mailbox rows. Add one line per mailbox below the header.',
    });
  }
  const maxRows = MAX_ROWS[format];
  const firstOver = data[maxRows];
  if (firstOver) {
    problems.add({
      code: CSV_ERROR_CODES.TOO_MANY_ROWS,
      row: firstOver.line,
      message:
        `The file has ${data.length.toLocaleString('en-US')} mailbox rows; a batch in the ${FORMAT_LABELS[format]} holds at most ` +
        `${maxRows.toLocaleString('en-US')}. Split it into several batches (line ${firstOver.line} is the first row over the limit).`,
    });
  }

  const rows = validateRows(data, layout, checked.defaults, problems);
  return problems.count === 0 ? { ok: true, format, rows } : { ok: false, format, errors: problems.list() };
}
