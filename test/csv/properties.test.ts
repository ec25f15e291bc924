import fc from 'fast-check';
import {
  CSV_ERROR_CODES,
  parseBatchCsv,
  redactPasswords,
  type BatchRow,
  type CsvFormat,
  type CsvParseResult,
} from '../../shared/csv';
import { IMAP_HEADER, STAGED_HEADER, utf16be, utf16le } from './fixtures';

/**
 * Whatever arrives (random bytes, a valid file with a few characters or lines broken), the parser
 * answers with either a batch or coded problems at real line numbers, never a crash, and never
 * repeats a password from the file.
 */

// Modest for CI; CSV_FC_RUNS=5000 for a deeper search after changing the parser.
const RUNS = { numRuns: Number(process.env.CSV_FC_RUNS ?? 150) };
const KNOWN_CODES = new Set<string>(Object.values(CSV_ERROR_CODES));

// ---- generators of valid files ----

const email = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9]{0,8}(\.[a-z0-9]{1,4})?$/),
    fc.constantFrom('contoso.com', 'fabrikam.org', 'mail.example.net'),
  )
  .map(([local, domain]) => `${local}@${domain}`);

/**
 * Passwords as Microsoft 365 wants them (upper, lower, digit, symbol, 8+ characters), sometimes with
 * a comma, quote or space that the file must quote. The symbols never occur in addresses or in our
 * messages, so finding one in a message means a leak.
 */
const password = fc
  .tuple(
    fc.stringMatching(/^[A-Z][a-z]{5,10}$/),
    fc.integer({ min: 0, max: 9999 }),
    fc.constantFrom('#', '$', '%', '&', '*', '!'),
    fc.constantFrom('', ',x', '"q', ' sp', 'ß€'),
  )
  .map(([word, n, symbol, tail]) => `${word}${n}${symbol}${tail}`);

interface Generated {
  format: CsvFormat;
  text: string;
  rows: BatchRow[];
  passwords: string[];
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

const stagedFile = fc
  .uniqueArray(
    fc.record({
      email,
      password: fc.option(password, { nil: undefined }),
      force: fc.constantFrom('', 'True', 'false', 'TRUE'),
    }),
    { minLength: 1, maxLength: 15, selector: (r) => r.email },
  )
  .map((records): Omit<Generated, 'text'> & { lines: string[] } => ({
    format: 'staged',
    lines: [STAGED_HEADER, ...records.map((r) => [r.email, quote(r.password ?? ''), r.force].join(','))],
    rows: records.map((r, i) => ({
      line: i + 2,
      emailAddress: r.email,
      ...(r.password === undefined ? {} : { password: r.password }),
      ...(r.force === '' ? {} : { forceChangePassword: r.force.toLowerCase() === 'true' }),
    })),
    passwords: records.flatMap((r) => (r.password === undefined ? [] : [r.password])),
  }));

const imapFile = fc
  .uniqueArray(
    fc.record({
      email,
      userName: fc.stringMatching(/^[a-z]{1,8}(\*mfadmin)?$/),
      password,
      userRoot: fc.constantFrom('', '/users/x', 'Shared, Folders'),
    }),
    { minLength: 1, maxLength: 15, selector: (r) => r.email },
  )
  .map((records): Omit<Generated, 'text'> & { lines: string[] } => ({
    format: 'imap',
    lines: [
      IMAP_HEADER,
      ...records.map((r) => [r.email, r.userName, quote(r.password), quote(r.userRoot)].join(',')),
    ],
    rows: records.map((r, i) => ({
      line: i + 2,
      emailAddress: r.email,
      userName: r.userName,
      password: r.password,
      ...(r.userRoot === '' ? {} : { userRoot: r.userRoot }),
    })),
    passwords: records.map((r) => r.password),
  }));

const validFile: fc.Arbitrary<Generated> = fc
  .tuple(fc.oneof(stagedFile, imapFile), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([file, eol, finalEol]) => ({ ...file, text: file.lines.join(eol) + (finalEol ? eol : '') }));

/** The same text as each kind of file an administrator might upload. */
const encoding = fc.constantFrom('string', 'utf8', 'utf8-bom', 'utf16le', 'utf16be');
function encode(text: string, how: string): string | Buffer {
  switch (how) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8-bom':
      return Buffer.from('\uFEFF' + text, 'utf8');
    case 'utf16le':
      return utf16le(text);
    case 'utf16be':
      return utf16be(text);
    default:
      return text;
  }
}

// ---- mutations ----

type Mutation = (text: string) => string;
const at = (text: string, n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map(
    (n): Mutation =>
      (t) =>
        t.slice(0, at(t, n)) + t.slice(at(t, n) + 1),
  ),
  fc.tuple(fc.nat(), fc.constantFrom(',', '"', '\n', '\r', ';', ' ', '@', 'x', 'é', '\uFEFF')).map(
    ([n, c]): Mutation =>
      (t) =>
        t.slice(0, at(t, n)) + c + t.slice(at(t, n)),
  ),
  fc.tuple(fc.nat(), fc.nat({ max: 40 })).map(
    ([n, len]): Mutation =>
      (t) =>
        t.slice(0, at(t, n)) + t.slice(at(t, n) + len),
  ),
  fc.nat().map(
    (n): Mutation =>
      (t) =>
        t.slice(0, at(t, n)),
  ),
  fc.tuple(fc.nat(), fc.constantFrom('delete', 'duplicate')).map(([n, op]): Mutation => (t) => {
    const lines = t.split('\n');
    const i = n % lines.length;
    lines.splice(i, op === 'delete' ? 1 : 0, ...(op === 'duplicate' ? [lines[i] ?? ''] : []));
    return lines.join('\n');
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (t) => {
    const lines = t.split('\n');
    const i = a % lines.length;
    const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
    return lines.join('\n');
  }),
);

// ---- what every answer must satisfy ----

function physicalLines(text: string): number {
  return (text.match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
}

/** Line count of the input however it is read (UTF-16 text by code units, anything else by bytes). */
function linesOf(input: string | Buffer): number {
  if (typeof input === 'string') return physicalLines(input);
  const le = input[0] === 0xff && input[1] === 0xfe;
  const be = input[0] === 0xfe && input[1] === 0xff;
  if (le || be) return physicalLines(new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(input));
  return physicalLines(input.toString('latin1'));
}

function expectWellFormed(result: CsvParseResult, input: string | Buffer, secrets: string[] = []): void {
  const lines = linesOf(input);
  if (result.ok) {
    expect(result.rows.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const row of result.rows) {
      expect(row.line).toBeGreaterThanOrEqual(2);
      expect(row.line).toBeLessThanOrEqual(lines);
      expect(seen.has(row.emailAddress)).toBe(false);
      seen.add(row.emailAddress);
    }
    return;
  }
  expect(result.errors.length).toBeGreaterThan(0);
  for (const problem of result.errors) {
    expect(KNOWN_CODES.has(problem.code)).toBe(true);
    expect(problem.message.length).toBeGreaterThan(20);
    if (problem.row !== undefined) {
      expect(Number.isInteger(problem.row)).toBe(true);
      expect(problem.row).toBeGreaterThanOrEqual(1);
      expect(problem.row).toBeLessThanOrEqual(lines);
    }
    const shown = JSON.stringify(problem);
    for (const secret of secrets) expect(shown).not.toContain(secret);
  }
}

describe('batch CSV properties', () => {
  test('a valid file parses to exactly its rows, in every encoding', () => {
    fc.assert(
      fc.property(validFile, encoding, (file, how) => {
        const result = parseBatchCsv(encode(file.text, how));
        expect(result).toEqual({ ok: true, format: file.format, rows: file.rows });
      }),
      RUNS,
    );
  });

  test('a mutated file: a batch or coded problems at real lines, no password repeated', () => {
    fc.assert(
      fc.property(
        validFile,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        encoding,
        fc.boolean(),
        (file, mutations, how, allowUnknownColumns) => {
          const text = mutations.reduce((t, m) => m(t), file.text);
          const input = encode(text, how);
          expectWellFormed(parseBatchCsv(input, { allowUnknownColumns }), input, file.passwords);
        },
      ),
      RUNS,
    );
  });

  test('random bytes, with or without a byte-order mark: never a crash', () => {
    const prefix = fc.constantFrom([], [0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff]);
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 300 }), (bom, bytes) => {
        const input = Buffer.concat([Buffer.from(bom), bytes]);
        expectWellFormed(parseBatchCsv(input), input);
        expect(typeof redactPasswords(input)).toBe('string');
      }),
      RUNS,
    );
  });

  test('random CSV-like text from the formats’ own words: never a crash', () => {
    const token = fc.constantFrom(
      'EmailAddress',
      'Password',
      'UserName',
      'UserRoot',
      'ForceChangePassword',
      'Notes',
      ',',
      ',',
      '"',
      '\n',
      '\r\n',
      'a@b.com',
      'A@B.COM',
      'True',
      'x',
      ' ',
      'Welcome#2024',
      '',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), fc.boolean(), (tokens, allowUnknownColumns) => {
        const input = tokens.join('');
        expectWellFormed(parseBatchCsv(input, { allowUnknownColumns }), input);
      }),
      RUNS,
    );
  });

  test('the redacted copy of a valid file holds no password and reads back as the same batch', () => {
    fc.assert(
      fc.property(validFile, encoding, (file, how) => {
        const copy = redactPasswords(encode(file.text, how));
        for (const secret of file.passwords) expect(copy).not.toContain(secret);
        const placeholder = 'Placeholder#1';
        const again = parseBatchCsv(copy, { defaults: { password: placeholder } });
        expect(again).toEqual({
          ok: true,
          format: file.format,
          rows: file.rows.map((r) => ({ ...r, password: placeholder })),
        });
      }),
      RUNS,
    );
  });

  test('the redacted copy of any mutated file that would be accepted holds no password', () => {
    fc.assert(
      fc.property(validFile, fc.array(mutation, { minLength: 1, maxLength: 3 }), (file, mutations) => {
        const text = mutations.reduce((t, m) => m(t), file.text);
        const copy = redactPasswords(text);
        if (parseBatchCsv(text).ok) for (const secret of file.passwords) expect(copy).not.toContain(secret);
      }),
      RUNS,
    );
  });
});
