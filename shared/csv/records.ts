import Papa from 'papaparse';

/**
 * Text to records with the line each record starts on. papaparse does the CSV grammar (quotes,
 * doubled quotes, commas and line breaks inside quotes); we only count lines, which it does not.
 * The text has LF line breaks only (see decode.ts), so a record spans one line plus one for each LF
 * inside its fields.
 */

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  fields: string[];
  /** Set when the record has a quote papaparse could not make sense of; its fields are unreliable. */
  quoteProblem?: 'unclosed' | 'malformed';
}

export function readRecords(text: string): CsvRecord[] {
  const parsed = Papa.parse<string[]>(text, {
    delimiter: ',',
    newline: '\n',
    quoteChar: '"',
    escapeChar: '"',
    header: false,
    skipEmptyLines: false,
    dynamicTyping: false,
  });
  const records: CsvRecord[] = new Array<CsvRecord>(parsed.data.length);
  let line = 1;
  for (let i = 0; i < parsed.data.length; i++) {
    const fields = parsed.data[i] ?? [];
    records[i] = { line, fields };
    line += 1;
    for (const field of fields) {
      let at = field.indexOf('\n');
      while (at !== -1) {
        line++;
        at = field.indexOf('\n', at + 1);
      }
    }
  }
  for (const error of parsed.errors) {
    const record = error.row === undefined ? undefined : records[error.row];
    if (!record || error.type !== 'Quotes') continue;
    // A malformed quote usually also leaves the field unclosed; the first cause is the useful one.
    record.quoteProblem ??= error.code === 'MissingQuotes' ? 'unclosed' : 'malformed';
  }
  return records;
}

/** A record whose cells are all empty or spaces: an empty line, or `,,` as Excel writes one. */
export function isBlankRecord(record: CsvRecord): boolean {
  return record.fields.every((f) => f.trim() === '');
}

/** Drops blank records at the end: editors and Excel leave them, and they mean nothing. */
export function withoutTrailingBlanks(records: CsvRecord[]): CsvRecord[] {
  let end = records.length;
  while (end > 0) {
    const last = records[end - 1];
    if (!last || !isBlankRecord(last) || last.quoteProblem) break;
    end--;
  }
  return end === records.length ? records : records.slice(0, end);
}
