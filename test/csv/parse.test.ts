import {
  CSV_ERROR_CODES as E,
  parseBatchCsv,
  type BatchRow,
  type CsvErrorCode,
  type CsvFormat,
  type CsvParseOptions,
} from '../../shared/csv';
import {
  IMAP_HEADER,
  STAGED_HEADER,
  excelUtf8,
  imapRows,
  lf,
  stagedRows,
  utf16be,
  utf16le,
} from './fixtures';

/**
 * Every rule of the batch CSV formats (docs/architecture.md, "Batch CSV formats"), one row of the table each.
 * A failing case expects the exact list of problems as [code, line] (or [code, line, column]) in
 * the order the administrator sees them.
 */

type ExpectedProblem = [CsvErrorCode, number | undefined] | [CsvErrorCode, number | undefined, string];
type Expected =
  | { ok: true; format: CsvFormat; rows?: BatchRow[]; count?: number; last?: BatchRow }
  | { ok: false; problems: ExpectedProblem[] };
interface Case {
  name: string;
  input: string | Buffer;
  options?: CsvParseOptions;
  expect: Expected;
  /** Passwords in the input: none may appear in any problem. */
  secrets?: string[];
}

const DEFAULTS = { password: 'Batch#Default1', forceChangePassword: true };

const cases: Case[] = [
  // ---- staged format, accepted ----
  {
    name: 'staged: only the EmailAddress column',
    input: lf('EmailAddress', 'jane@contoso.com'),
    expect: { ok: true, format: 'staged', rows: [{ line: 2, emailAddress: 'jane@contoso.com' }] },
  },
  {
    name: 'staged: all columns; address trimmed and lower-cased, password kept as written',
    input: lf(STAGED_HEADER, ' Jane.Doe@Contoso.COM ,  Spaced#Pass1 ,False'),
    expect: {
      ok: true,
      format: 'staged',
      rows: [
        {
          line: 2,
          emailAddress: 'jane.doe@contoso.com',
          password: '  Spaced#Pass1 ',
          forceChangePassword: false,
        },
      ],
    },
  },
  {
    name: 'Excel "CSV UTF-8": BOM and CRLF',
    input: excelUtf8(STAGED_HEADER, 'a@contoso.com,Welcome#2024,True', 'b@contoso.com,,'),
    expect: {
      ok: true,
      format: 'staged',
      rows: [
        { line: 2, emailAddress: 'a@contoso.com', password: 'Welcome#2024', forceChangePassword: true },
        { line: 3, emailAddress: 'b@contoso.com' },
      ],
    },
  },
  {
    name: 'UTF-16 LE with BOM, non-ASCII password intact',
    input: utf16le('EmailAddress,Password\r\nzoe@contoso.com,Pässwörd#1€\r\n'),
    expect: {
      ok: true,
      format: 'staged',
      rows: [{ line: 2, emailAddress: 'zoe@contoso.com', password: 'Pässwörd#1€' }],
    },
  },
  {
    name: 'UTF-16 BE with BOM',
    input: utf16be('EmailAddress,Password\nbe@contoso.com,BigEnd#an1\n'),
    expect: {
      ok: true,
      format: 'staged',
      rows: [{ line: 2, emailAddress: 'be@contoso.com', password: 'BigEnd#an1' }],
    },
  },
  {
    name: 'a string with a leading BOM',
    input: '\uFEFFEmailAddress\nbom@contoso.com',
    expect: { ok: true, format: 'staged', rows: [{ line: 2, emailAddress: 'bom@contoso.com' }] },
  },
  {
    name: 'header names in any case, with spaces around them, in any order',
    input: lf(' forcechangepassword , EMAILADDRESS,password', 'TRUE,x@contoso.com,Longenough#1'),
    expect: {
      ok: true,
      format: 'staged',
      rows: [{ line: 2, emailAddress: 'x@contoso.com', password: 'Longenough#1', forceChangePassword: true }],
    },
  },
  {
    name: 'ForceChangePassword True/False in any case',
    input: lf(
      'EmailAddress,ForceChangePassword',
      'a@c.com,TRUE',
      'b@c.com,false',
      'c@c.com, True ',
      'd@c.com,FaLsE',
    ),
    expect: {
      ok: true,
      format: 'staged',
      rows: [
        { line: 2, emailAddress: 'a@c.com', forceChangePassword: true },
        { line: 3, emailAddress: 'b@c.com', forceChangePassword: false },
        { line: 4, emailAddress: 'c@c.com', forceChangePassword: true },
        { line: 5, emailAddress: 'd@c.com', forceChangePassword: false },
      ],
    },
  },
  {
    name: 'blank trailing lines, spaces and empty-cell rows at the end are ignored',
    input: 'EmailAddress,Password\r\na@c.com,Welcome#2024\r\n\r\n,\r\n   \r\n\n',
    expect: {
      ok: true,
      format: 'staged',
      rows: [{ line: 2, emailAddress: 'a@c.com', password: 'Welcome#2024' }],
    },
  },
  {
    name: 'a blank cell inherits the batch defaults; a filled cell wins',
    input: lf(STAGED_HEADER, 'a@c.com,,', 'b@c.com,Own#Password1,false', 'c@c.com,   ,'),
    options: { defaults: DEFAULTS },
    expect: {
      ok: true,
      format: 'staged',
      rows: [
        { line: 2, emailAddress: 'a@c.com', password: 'Batch#Default1', forceChangePassword: true },
        { line: 3, emailAddress: 'b@c.com', password: 'Own#Password1', forceChangePassword: false },
        { line: 4, emailAddress: 'c@c.com', password: 'Batch#Default1', forceChangePassword: true },
      ],
    },
  },
  {
    name: 'no Password column at all: every row takes the batch default',
    input: lf('EmailAddress', 'a@c.com'),
    options: { defaults: DEFAULTS },
    expect: {
      ok: true,
      format: 'staged',
      rows: [{ line: 2, emailAddress: 'a@c.com', password: 'Batch#Default1', forceChangePassword: true }],
    },
  },
  {
    name: 'quoted password with a comma and a doubled quote',
    input: lf(STAGED_HEADER, 'a@c.com,"Comma,and""quote1",'),
    expect: {
      ok: true,
      format: 'staged',
      rows: [{ line: 2, emailAddress: 'a@c.com', password: 'Comma,and"quote1' }],
    },
  },
  {
    name: 'quoted line break: the next record is numbered by its physical line',
    input: lf('EmailAddress,Notes', 'a@c.com,"first line', 'second line"', 'b@c.com,plain'),
    options: { allowUnknownColumns: true },
    expect: {
      ok: true,
      format: 'staged',
      rows: [
        { line: 2, emailAddress: 'a@c.com', extra: { Notes: 'first line\nsecond line' } },
        { line: 4, emailAddress: 'b@c.com', extra: { Notes: 'plain' } },
      ],
    },
  },
  {
    name: 'mixed CRLF and LF line endings',
    input: 'EmailAddress\r\na@c.com\nb@c.com\r\nc@c.com',
    expect: {
      ok: true,
      format: 'staged',
      rows: [
        { line: 2, emailAddress: 'a@c.com' },
        { line: 3, emailAddress: 'b@c.com' },
        { line: 4, emailAddress: 'c@c.com' },
      ],
    },
  },
  {
    name: 'unknown columns kept in extra when the batch allows them',
    input: lf('EmailAddress,Department,Office', 'a@c.com,"Sales, EMEA",'),
    options: { allowUnknownColumns: true },
    expect: {
      ok: true,
      format: 'staged',
      rows: [{ line: 2, emailAddress: 'a@c.com', extra: { Department: 'Sales, EMEA', Office: '' } }],
    },
  },
  {
    name: 'exactly 2,000 staged rows',
    input: stagedRows(2000),
    expect: {
      ok: true,
      format: 'staged',
      count: 2000,
      last: {
        line: 2001,
        emailAddress: 'user1999@contoso.com',
        password: 'Welcome#1999pass',
        forceChangePassword: false,
      },
    },
  },

  // ---- IMAP format, accepted ----
  {
    name: 'IMAP detected from UserName; proxy form and UserRoot kept',
    input: lf(
      IMAP_HEADER,
      'A@Contoso.com,CONTOSO/mfadmin/a,Adm!n#Pw1,/users/a',
      'b@contoso.com,b*mfadmin,Adm!n#Pw1,',
    ),
    expect: {
      ok: true,
      format: 'imap',
      rows: [
        {
          line: 2,
          emailAddress: 'a@contoso.com',
          userName: 'CONTOSO/mfadmin/a',
          password: 'Adm!n#Pw1',
          userRoot: '/users/a',
        },
        { line: 3, emailAddress: 'b@contoso.com', userName: 'b*mfadmin', password: 'Adm!n#Pw1' },
      ],
    },
  },
  {
    name: 'IMAP without the optional UserRoot column; short source passwords are allowed',
    input: lf('emailaddress,username,password', 'a@c.com,alice,pw'),
    expect: {
      ok: true,
      format: 'imap',
      rows: [{ line: 2, emailAddress: 'a@c.com', userName: 'alice', password: 'pw' }],
    },
  },
  {
    name: 'IMAP blank password inherits the batch default',
    input: lf('EmailAddress,UserName,Password', 'a@c.com,a*admin,'),
    options: { defaults: { password: 'x' } },
    expect: {
      ok: true,
      format: 'imap',
      rows: [{ line: 2, emailAddress: 'a@c.com', userName: 'a*admin', password: 'x' }],
    },
  },
  {
    name: 'IMAP forced by option',
    input: lf('EmailAddress,UserName,Password', 'a@c.com,a,secretpw'),
    options: { format: 'imap' },
    expect: {
      ok: true,
      format: 'imap',
      rows: [{ line: 2, emailAddress: 'a@c.com', userName: 'a', password: 'secretpw' }],
    },
  },
  {
    name: '50,000 IMAP rows (the maximum) accepted',
    input: imapRows(50000),
    expect: {
      ok: true,
      format: 'imap',
      count: 50000,
      last: {
        line: 50001,
        emailAddress: 'user49999@contoso.com',
        userName: 'user49999*mfadmin',
        password: 'Adm!n#Pw49999',
      },
    },
  },

  // ---- whole-file problems ----
  { name: 'empty string', input: '', expect: { ok: false, problems: [[E.EMPTY, undefined]] } },
  {
    name: 'only line breaks and spaces',
    input: Buffer.from('\r\n  \r\n'),
    expect: { ok: false, problems: [[E.EMPTY, undefined]] },
  },
  {
    name: 'header only',
    input: lf(STAGED_HEADER),
    expect: { ok: false, problems: [[E.NO_ROWS, undefined]] },
  },
  {
    name: 'Windows-1252 file: each bad line named',
    input: Buffer.concat([
      Buffer.from('EmailAddress,Password\na@c.com,Welcome#1\n'),
      Buffer.from('j\xe9r\xf4me@c.com,P\xe4ss#word1\n', 'latin1'),
    ]),
    expect: { ok: false, problems: [[E.ENCODING, 3]] },
  },
  {
    name: 'UTF-16 without a BOM',
    input: Buffer.from('EmailAddress\r\na@c.com\r\n', 'utf16le'),
    expect: { ok: false, problems: [[E.ENCODING, undefined]] },
  },
  {
    name: 'UTF-16 BOM but an odd number of bytes',
    input: Buffer.concat([utf16le('EmailAddress\na@c.com'), Buffer.from([0x41])]),
    expect: { ok: false, problems: [[E.ENCODING, undefined]] },
  },
  {
    name: 'semicolon-separated (Excel with a ";" list separator)',
    input: lf('EmailAddress;Password;ForceChangePassword', 'a@c.com;Welcome#1x;True'),
    expect: { ok: false, problems: [[E.DELIMITER, 1]] },
  },
  {
    name: 'tab-separated',
    input: lf('EmailAddress\tPassword', 'a@c.com\tWelcome#1x'),
    expect: { ok: false, problems: [[E.DELIMITER, 1]] },
  },
  {
    name: 'header missing: the first line is a mailbox row, its password not echoed',
    input: lf('a@c.com,Password1!,True', 'b@c.com,Other#Secret9,False'),
    expect: { ok: false, problems: [[E.MISSING_HEADER, 1]] },
    secrets: ['Password1!', 'Other#Secret9'],
  },
  {
    name: 'header joined with the first row (lost line break): no cell echoed',
    input: lf(
      'EmailAddress,Password,ForceChangePasswordа@c.com,Joined#Secret9,True',
      'b@c.com,Other#Secret9,False',
    ),
    expect: {
      ok: false,
      problems: [
        [E.UNKNOWN_COLUMN, 1, 'column C'],
        [E.UNKNOWN_COLUMN, 1, 'column D'],
        [E.UNKNOWN_COLUMN, 1, 'column E'],
        [E.FIELD_COUNT, 2],
      ],
    },
    secrets: ['Joined#Secret9', 'Other#Secret9'],
  },

  // ---- header problems ----
  {
    name: 'no EmailAddress column',
    input: lf('Password,ForceChangePassword', 'Welcome#1x,True'),
    expect: { ok: false, problems: [[E.MISSING_COLUMN, 1, 'EmailAddress']] },
  },
  {
    name: '"Email Address" (two words) is named and a rename suggested',
    input: lf('Email Address,Password', 'a@c.com,Welcome#1x'),
    expect: { ok: false, problems: [[E.UNKNOWN_COLUMN, 1, 'column A']] },
  },
  {
    name: 'unknown column rejected by default',
    input: lf('EmailAddress,Department', 'a@c.com,Sales'),
    expect: { ok: false, problems: [[E.UNKNOWN_COLUMN, 1, 'Department']] },
  },
  {
    name: 'column without a name (trailing comma in the header)',
    input: lf('EmailAddress,', 'a@c.com,'),
    expect: { ok: false, problems: [[E.UNKNOWN_COLUMN, 1, 'column B']] },
  },
  {
    name: 'a second password column is refused even when unknown columns are allowed',
    input: lf('EmailAddress,Password,OldPassword', 'a@c.com,New#Passw0rd,Old#Passw0rd'),
    options: { allowUnknownColumns: true },
    expect: { ok: false, problems: [[E.UNKNOWN_COLUMN, 1, 'OldPassword']] },
    secrets: ['New#Passw0rd', 'Old#Passw0rd'],
  },
  {
    name: 'the same column twice',
    input: lf('EmailAddress,Password,emailaddress', 'a@c.com,Welcome#1x,a@c.com'),
    expect: { ok: false, problems: [[E.DUPLICATE_COLUMN, 1, 'EmailAddress']] },
  },
  {
    name: 'staged file forced to IMAP: UserName and Password missing, ForceChangePassword unknown',
    input: lf('EmailAddress,ForceChangePassword', 'a@c.com,True'),
    options: { format: 'imap' },
    expect: {
      ok: false,
      problems: [
        [E.UNKNOWN_COLUMN, 1, 'ForceChangePassword'],
        [E.MISSING_COLUMN, 1, 'UserName'],
        [E.MISSING_COLUMN, 1, 'Password'],
      ],
    },
  },
  {
    name: 'IMAP file with a staged-only column',
    input: lf('EmailAddress,UserName,Password,ForceChangePassword', 'a@c.com,a,pw,True'),
    expect: { ok: false, problems: [[E.UNKNOWN_COLUMN, 1, 'ForceChangePassword']] },
  },

  // ---- row problems ----
  {
    name: 'rows with too many and too few fields',
    input: lf(
      STAGED_HEADER,
      'a@c.com,Welcome#1x,True,extra',
      'b@c.com,Welcome#1x',
      'c@c.com,Welcome#1x,True',
    ),
    expect: {
      ok: false,
      problems: [
        [E.FIELD_COUNT, 2],
        [E.FIELD_COUNT, 3],
      ],
    },
  },
  {
    name: 'invalid addresses of every common kind',
    input: lf(
      'EmailAddress',
      'Jane Doe <jane@c.com>',
      'jane@',
      'jane@contoso',
      'jane doe@c.com',
      'a@c.com;b@c.com',
      `${'x'.repeat(250)}@c.com`,
      '@c.com',
      'jane..doe@c.com',
    ),
    expect: {
      ok: false,
      problems: [2, 3, 4, 5, 6, 7, 8, 9].map((row): ExpectedProblem => [
        E.INVALID_EMAIL,
        row,
        'EmailAddress',
      ]),
    },
  },
  {
    name: 'an address with accented letters is refused with a hint to write it in ASCII',
    input: lf('EmailAddress', 'zoë@contoso.com'),
    expect: { ok: false, problems: [[E.INVALID_EMAIL, 2, 'EmailAddress']] },
  },
  {
    name: 'empty EmailAddress cell',
    input: lf(STAGED_HEADER, ' ,Welcome#1x,True'),
    expect: { ok: false, problems: [[E.MISSING_VALUE, 2, 'EmailAddress']] },
  },
  {
    name: 'duplicate addresses, any case: each repeat names the first line',
    input: lf('EmailAddress', 'a@c.com', 'b@c.com', 'A@C.COM', 'a@c.com '),
    expect: {
      ok: false,
      problems: [
        [E.DUPLICATE_EMAIL, 4, 'EmailAddress'],
        [E.DUPLICATE_EMAIL, 5, 'EmailAddress'],
      ],
    },
  },
  {
    name: 'password shorter than 8 characters (counted as characters, not bytes)',
    input: lf(STAGED_HEADER, 'a@c.com,Sh0rt#7,', 'b@c.com,Pässwö1,', 'c@c.com,Exactly8,'),
    expect: {
      ok: false,
      problems: [
        [E.PASSWORD_TOO_SHORT, 2, 'Password'],
        [E.PASSWORD_TOO_SHORT, 3, 'Password'],
      ],
    },
    secrets: ['Sh0rt#7', 'Pässwö1'],
  },
  {
    name: 'staged password over 256 characters; 256 emoji-free characters and 200 emoji are fine',
    input: lf(
      'EmailAddress,Password',
      `a@c.com,${'Ab1#'.repeat(64)}x`,
      `b@c.com,${'Ab1#'.repeat(64)}`,
      `c@c.com,${'😀'.repeat(200)}`,
    ),
    expect: { ok: false, problems: [[E.PASSWORD_TOO_LONG, 2, 'Password']] },
    secrets: ['Ab1#'.repeat(64)],
  },
  {
    name: 'ForceChangePassword other than True/False',
    input: lf(STAGED_HEADER, 'a@c.com,,yes', 'b@c.com,,1', 'c@c.com,,Secret#Word9'),
    expect: {
      ok: false,
      problems: [
        [E.INVALID_BOOLEAN, 2, 'ForceChangePassword'],
        [E.INVALID_BOOLEAN, 3, 'ForceChangePassword'],
        [E.INVALID_BOOLEAN, 4, 'ForceChangePassword'],
      ],
    },
    secrets: ['Secret#Word9'],
  },
  {
    name: 'an empty line between rows',
    input: lf('EmailAddress', 'a@c.com', '', 'b@c.com'),
    expect: { ok: false, problems: [[E.BLANK_ROW, 3]] },
  },
  {
    name: 'a quote never closed swallows the rest: reported at its line',
    input: lf(STAGED_HEADER, 'a@c.com,Welcome#1x,True', 'b@c.com,"Unclosed#1,True', 'c@c.com,,'),
    expect: { ok: false, problems: [[E.QUOTES, 3]] },
    secrets: ['Unclosed#1'],
  },
  {
    name: 'text after a closing quote',
    input: lf('EmailAddress,Notes', '"a@c.com"x,n'),
    options: { allowUnknownColumns: true },
    expect: { ok: false, problems: [[E.QUOTES, 2]] },
  },
  {
    name: 'a problem after a multi-line quoted value is reported at its physical line',
    input: lf('EmailAddress,Notes', 'a@c.com,"one', 'two', 'three"', 'not-an-address,x'),
    options: { allowUnknownColumns: true },
    expect: { ok: false, problems: [[E.INVALID_EMAIL, 5, 'EmailAddress']] },
  },
  {
    name: '2,001 staged rows: the first row over the limit is named',
    input: stagedRows(2001),
    expect: { ok: false, problems: [[E.TOO_MANY_ROWS, 2002]] },
  },
  {
    name: 'IMAP: empty UserName, and empty Password without a batch default',
    input: lf(IMAP_HEADER, 'a@c.com, ,Adm!n#Pw1,', 'b@c.com,b,,'),
    expect: {
      ok: false,
      problems: [
        [E.MISSING_VALUE, 2, 'UserName'],
        [E.MISSING_VALUE, 3, 'Password'],
      ],
    },
    secrets: ['Adm!n#Pw1'],
  },
  {
    name: 'a quote left open in UserRoot swallows later rows: refused, their passwords not echoed',
    input: lf(
      IMAP_HEADER,
      'a@c.com,a,Adm!n#Pw1,"Shared, Fo',
      'b@c.com,b,Swallowed#Pw2,',
      'c@c.com,c,Swallowed#Pw3,"',
    ),
    expect: { ok: false, problems: [[E.INVALID_VALUE, 2, 'UserRoot']] },
    secrets: ['Adm!n#Pw1', 'Swallowed#Pw2', 'Swallowed#Pw3'],
  },
  {
    name: 'a password with a line break, a UserName over 1,024 characters',
    input: lf(IMAP_HEADER, 'a@c.com,a,"Two', 'lines#1",', `b@c.com,${'u'.repeat(1025)},Adm!n#Pw1,`),
    expect: {
      ok: false,
      problems: [
        [E.INVALID_VALUE, 2, 'Password'],
        [E.INVALID_VALUE, 4, 'UserName'],
      ],
    },
    secrets: ['lines#1', 'Adm!n#Pw1'],
  },
  {
    name: 'all problems at once, in line order',
    input: lf(STAGED_HEADER, 'bad,Sh0rt#7,maybe', 'a@c.com,,', 'a@c.com,,,', '', 'A@c.com,,'),
    expect: {
      ok: false,
      problems: [
        [E.INVALID_EMAIL, 2],
        [E.PASSWORD_TOO_SHORT, 2],
        [E.INVALID_BOOLEAN, 2],
        [E.FIELD_COUNT, 4],
        [E.BLANK_ROW, 5],
        [E.DUPLICATE_EMAIL, 6],
      ],
    },
    secrets: ['Sh0rt#7'],
  },

  // ---- options ----
  {
    name: 'options: unknown key and wrong types are coded errors',
    input: lf('EmailAddress', 'a@c.com'),
    options: { allowUnknownColumn: true, format: 'csv' } as unknown as CsvParseOptions,
    expect: {
      ok: false,
      problems: [
        [E.INVALID_OPTION, undefined, 'format'],
        [E.INVALID_OPTION, undefined, 'options'],
      ],
    },
  },
  {
    name: 'options: a staged batch default password shorter than 8 characters, not echoed',
    input: lf('EmailAddress', 'a@c.com'),
    options: { defaults: { password: 'Tiny#1' } },
    expect: { ok: false, problems: [[E.INVALID_OPTION, undefined, 'defaults.password']] },
    secrets: ['Tiny#1'],
  },
];

describe('parseBatchCsv', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = parseBatchCsv(c.input, c.options);
    if (c.expect.ok) {
      if (!result.ok) throw new Error(`expected a batch, got ${JSON.stringify(result.errors, null, 1)}`);
      expect(result.format).toBe(c.expect.format);
      if (c.expect.rows) expect(result.rows).toEqual(c.expect.rows);
      if (c.expect.count !== undefined) expect(result.rows).toHaveLength(c.expect.count);
      if (c.expect.last) expect(result.rows[result.rows.length - 1]).toEqual(c.expect.last);
      return;
    }
    if (result.ok) throw new Error(`expected problems, got ${result.rows.length} rows`);
    const expected = c.expect.problems;
    const actual = result.errors.map((p, i) =>
      expected[i]?.length === 3 ? [p.code, p.row, p.column] : [p.code, p.row],
    );
    expect(actual).toEqual(expected);
    for (const problem of result.errors) {
      expect(problem.message).toMatch(/^[A-Z0-9"].{20,}\.$/s); // a sentence that says what to do
      for (const secret of c.secrets ?? []) expect(JSON.stringify(problem)).not.toContain(secret);
    }
  });
});

describe('problem details an administrator reads', () => {
  test('a duplicate names the address and both lines', () => {
    const result = parseBatchCsv(lf('EmailAddress', 'a@c.com', 'b@c.com', 'A@c.com'));
    expect(result).toMatchObject({ ok: false, errors: [{ code: E.DUPLICATE_EMAIL, row: 4, firstRow: 2 }] });
    if (!result.ok) expect(result.errors[0]?.message).toMatch(/a@c\.com.*line 2.*line 4/);
  });

  test('"Email Address" is named by its column letter and the message says to rename it', () => {
    const result = parseBatchCsv(lf('Email Address', 'a@c.com'));
    if (result.ok) throw new Error('expected problems');
    expect(result.errors[0]?.message).toMatch(/^Column A .*rename it to exactly EmailAddress/);
  });

  test('more than 1,000 problems: the first 1,000, then one TOO_MANY_ERRORS entry with the rest counted', () => {
    const lines = ['EmailAddress'];
    for (let i = 0; i < 1500; i++) lines.push(`not-an-address-${i}`);
    const result = parseBatchCsv(lf(...lines));
    if (result.ok) throw new Error('expected problems');
    expect(result.errors).toHaveLength(1001);
    expect(result.errors[999]).toMatchObject({ code: E.INVALID_EMAIL, row: 1001 });
    expect(result.errors[1000]).toMatchObject({ code: E.TOO_MANY_ERRORS });
    expect(result.errors[1000]?.message).toMatch(/^500 more problem/);
  });

  test('too many rows says how many there are and what the limit is', () => {
    const result = parseBatchCsv(stagedRows(2001));
    if (result.ok) throw new Error('expected problems');
    expect(result.errors[0]?.message).toMatch(/2,001 mailbox rows.*at most 2,000.*Split/);
  });
});
