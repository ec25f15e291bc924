import Papa from 'papaparse';
import { z } from 'zod';
import { columnKeyOf, echoableHeaderName, looksLikeSecretColumn } from './columns';
import { decodeCsvInput } from './decode';
import { ProblemList } from './problems';
import { readRecords, withoutTrailingBlanks, type CsvRecord } from './records';

/**
 * The copy of a batch CSV that may be stored after ingest: the same rows and columns with every
 * Password cell emptied (passwords live in the secret store only), and every cell of a column whose
 * name looks like a secret (see looksLikeSecretColumn). Never throws.
 *
 * Where a row cannot be trusted to line up with the header (wrong field count, broken quotes) any
 * cell could be the password, so the whole row is emptied except a valid address in the
 * EmailAddress position. A file whose header is not recognised keeps its shape with every cell
 * emptied (header cells that are plain words excepted); a file that cannot be decoded gives ''.
 */
export function redactPasswords(input: Buffer | string): string {
  const text = decodeCsvInput(input, new ProblemList());
  if (text === undefined) return '';
  const records = withoutTrailingBlanks(readRecords(text));
  const [header, ...data] = records;
  if (!header) return '';

  const keys = header.quoteProblem ? [] : header.fields.map(columnKeyOf);
  const emailIndex = keys.indexOf('emailAddress');
  if (emailIndex === -1) return unparse(records.map((r, i) => (i === 0 ? safeHeader(r) : blankAll(r))));

  const passwordIndexes = new Set(
    header.fields.flatMap((f, i) =>
      keys[i] === 'password' || (keys[i] === undefined && looksLikeSecretColumn(f)) ? [i] : [],
    ),
  );
  const width = header.fields.length;
  const redacted = data.map((record) => {
    if (record.quoteProblem || record.fields.length !== width) {
      const email = record.quoteProblem ? undefined : record.fields[emailIndex]?.trim();
      return record.fields.map((f, i) =>
        i === emailIndex && email !== undefined && z.regexes.email.test(email) ? f : '',
      );
    }
    // A line break in a known column means a quote left open swallowed later rows: drop the cell.
    return record.fields.map((f, i) => (passwordIndexes.has(i) || (keys[i] && /[\r\n]/.test(f)) ? '' : f));
  });
  return unparse([header.fields, ...redacted]);
}

function safeHeader(record: CsvRecord): string[] {
  const hasAt = record.fields.some((f) => f.includes('@'));
  return record.fields.map((f) => echoableHeaderName(f, hasAt) ?? '');
}

function blankAll(record: CsvRecord): string[] {
  return record.fields.map(() => '');
}

/** CRLF as RFC 4180 and Excel write it; papaparse quotes any value with a comma, quote or line break. */
function unparse(rows: string[][]): string {
  return Papa.unparse(rows, { delimiter: ',', newline: '\r\n', quotes: false }) + '\r\n';
}
