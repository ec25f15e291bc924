import Papa from 'papaparse';

/**
 * CSV that Excel opens safely and correctly:
 * - a cell starting with `=`, `+`, `-`, `@`, tab, CR, LF or NUL would run as a formula (OWASP "CSV
 *   injection"): it gets a leading single quote, which Excel shows as text;
 * - quotes are doubled and cells holding the delimiter, quotes, line breaks or edge spaces are quoted
 *   (papaparse's unparse, RFC 4180 with CRLF rows);
 * - UTF-8 with a byte order mark, without which Excel reads non-ASCII as the ANSI code page.
 * Numbers stay numbers (they cannot carry a formula), so Excel can sum them.
 */

/**
 * papaparse's own `escapeFormulae: true` pattern (`/^[=+\-@\t\r].*$/`) misses LF and NUL, and its
 * `.*$` fails on a cell with a line break after the first character; this one looks at the first
 * character only.
 */
export const FORMULA_TRIGGER = /^[=+\-@\t\r\n\0]/;

export const UTF8_BOM = '\uFEFF';

export type CsvCell = string | number | null;

export function toCsv(fields: readonly string[], rows: readonly CsvCell[][]): string {
  const body = Papa.unparse(
    { fields: [...fields], data: rows.map((r) => r.map((c) => (c === null ? '' : c))) },
    { escapeFormulae: FORMULA_TRIGGER, newline: '\r\n', header: true },
  );
  return UTF8_BOM + body + '\r\n';
}

/** A CSV file as bytes, ready to attach or upload. */
export function csvBuffer(fields: readonly string[], rows: readonly CsvCell[][]): Buffer {
  return Buffer.from(toCsv(fields, rows), 'utf8');
}

/** More rows of a CSV begun with toCsv (no BOM, no header): for a file written piece by piece. */
export function csvRowsText(rows: readonly CsvCell[][]): string {
  if (!rows.length) return '';
  const body = Papa.unparse(
    rows.map((r) => r.map((c) => (c === null ? '' : c))),
    { escapeFormulae: FORMULA_TRIGGER, newline: '\r\n', header: false },
  );
  return body + '\r\n';
}
