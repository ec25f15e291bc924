import { isUtf8 } from 'node:buffer';
import { CSV_ERROR_CODES } from './codes';
import { CSV_LIMITS } from './limits';
import type { ProblemList } from './problems';

/**
 * Bytes to text. docs/architecture.md, "Batch CSV formats": UTF-8 (a BOM is allowed) or UTF-16 with a BOM; anything else
 * is refused with a message that says how to re-save the file, rather than guessed at: a guessed
 * code page would silently change a password or an accented name.
 *
 * Line endings are unified to LF here so that the parser and the line numbers see one kind of line
 * break even in files that mix them (rows appended with another editor).
 */

const SAVE_AS_UTF8 =
  'In Excel use "Save As" → "CSV UTF-8 (Comma delimited)"; in a text editor save with encoding UTF-8.';

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const UTF16LE_BOM = [0xff, 0xfe] as const;
const UTF16BE_BOM = [0xfe, 0xff] as const;

function startsWith(buf: Buffer, bom: readonly number[]): boolean {
  return buf.length >= bom.length && bom.every((b, i) => buf[i] === b);
}

/** Returns the text with LF line breaks and no BOM, or undefined after adding the problems found. */
export function decodeCsvInput(input: Buffer | string, problems: ProblemList): string | undefined {
  const size = typeof input === 'string' ? input.length : input.byteLength;
  if (size > CSV_LIMITS.maxInputBytes) {
    problems.add({
      code: CSV_ERROR_CODES.TOO_LARGE,
      message:
        `The file is larger than ${CSV_LIMITS.maxInputBytes / 1024 / 1024} MB, far more than a batch can hold. ` +
        `Check that it is the right file; split it into batches of at most ${CSV_LIMITS.imapMaxRows.toLocaleString('en-US')} rows.`,
    });
    return undefined;
  }
  const text = typeof input === 'string' ? input.replace(/^\uFEFF/, '') : decodeBytes(input, problems);
  if (text === undefined) return undefined;
  if (text.includes('\u0000')) {
    problems.add({
      code: CSV_ERROR_CODES.ENCODING,
      message:
        'The file contains NUL characters: it is probably UTF-16 without a byte-order mark, or not a text file. ' +
        SAVE_AS_UTF8,
    });
    return undefined;
  }
  return text.replace(/\r\n?/g, '\n');
}

function decodeBytes(buf: Buffer, problems: ProblemList): string | undefined {
  if (startsWith(buf, UTF16LE_BOM) || startsWith(buf, UTF16BE_BOM)) {
    const encoding = startsWith(buf, UTF16LE_BOM) ? 'utf-16le' : 'utf-16be';
    try {
      // fatal: an odd byte count or a lone surrogate is an error, not a replacement character.
      return new TextDecoder(encoding, { fatal: true }).decode(buf);
    } catch {
      problems.add({
        code: CSV_ERROR_CODES.ENCODING,
        message: `The file starts with a ${encoding.toUpperCase()} byte-order mark but is not valid ${encoding.toUpperCase()} (it may be cut short). ${SAVE_AS_UTF8}`,
      });
      return undefined;
    }
  }
  if (isUtf8(buf)) return new TextDecoder('utf-8').decode(buf); // strips a UTF-8 BOM
  reportInvalidUtf8Lines(startsWith(buf, UTF8_BOM) ? buf.subarray(UTF8_BOM.length) : buf, problems);
  return undefined;
}

/**
 * Names each line that is not UTF-8 (usually a name with an accent saved as Windows-1252). LF never
 * occurs inside a UTF-8 multi-byte sequence, so splitting the bytes at LF is safe.
 */
function reportInvalidUtf8Lines(buf: Buffer, problems: ProblemList): void {
  let line = 1;
  let start = 0;
  while (start <= buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end === -1) end = buf.length;
    if (!isUtf8(buf.subarray(start, end))) {
      problems.add({
        code: CSV_ERROR_CODES.ENCODING,
        row: line,
        message:
          `Line ${line} is not valid UTF-8: the file was probably saved in a legacy encoding such as Windows-1252. ` +
          SAVE_AS_UTF8,
      });
    }
    line++;
    start = end + 1;
  }
}
