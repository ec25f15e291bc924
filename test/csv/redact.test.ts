import Papa from 'papaparse';
import { parseBatchCsv, redactPasswords } from '../../shared/csv';
import { IMAP_HEADER, STAGED_HEADER, excelUtf8, lf, utf16le } from './fixtures';

/** The copy of a batch CSV that is stored after ingest: same rows and values, no passwords. */

const cells = (csv: string): string[][] =>
  Papa.parse<string[]>(csv.trimEnd(), { delimiter: ',', newline: '\r\n' }).data;

const cases: { name: string; input: string | Buffer; expected: string[][] }[] = [
  {
    name: 'Excel staged file: Password cells emptied, everything else kept',
    input: excelUtf8(STAGED_HEADER, 'a@c.com,Welcome#2024,True', 'b@c.com,,false'),
    expected: [
      ['EmailAddress', 'Password', 'ForceChangePassword'],
      ['a@c.com', '', 'True'],
      ['b@c.com', '', 'false'],
    ],
  },
  {
    name: 'IMAP file: quoted values with commas and line breaks survive',
    input: lf(
      IMAP_HEADER,
      'a@c.com,CONTOSO/admin/a,"Pw,with""quote#1","/users/a, b"',
      'b@c.com,b,"two',
      'lines#1",',
    ),
    expected: [
      ['EmailAddress', 'UserName', 'Password', 'UserRoot'],
      ['a@c.com', 'CONTOSO/admin/a', '', '/users/a, b'],
      ['b@c.com', 'b', '', ''],
    ],
  },
  {
    name: 'UTF-16 input, header in upper case',
    input: utf16le('EMAILADDRESS,PASSWORD\r\nzoe@c.com,Pässwörd#1\r\n'),
    expected: [
      ['EMAILADDRESS', 'PASSWORD'],
      ['zoe@c.com', ''],
    ],
  },
  {
    name: 'a row that does not line up with the header keeps only its valid address',
    input: lf(STAGED_HEADER, 'a@c.com,Shifted#1,True,extra', 'not-an-address,Shifted#2'),
    expected: [
      ['EmailAddress', 'Password', 'ForceChangePassword'],
      ['a@c.com', '', '', ''],
      ['', ''],
    ],
  },
  {
    name: 'a secret-looking extra column is emptied too',
    input: lf('EmailAddress,Password,OldPassword,Department', 'a@c.com,New#Pass1,Old#Pass1,Sales'),
    expected: [
      ['EmailAddress', 'Password', 'OldPassword', 'Department'],
      ['a@c.com', '', '', 'Sales'],
    ],
  },
  {
    name: 'a known column with a line break (a quote left open) is emptied',
    input: lf(IMAP_HEADER, 'a@c.com,a,Adm!n#Pw1,"Shared, Fo', 'b@c.com,b,Swallowed#Pw2,"'),
    expected: [
      ['EmailAddress', 'UserName', 'Password', 'UserRoot'],
      ['a@c.com', 'a', '', ''],
    ],
  },
  {
    name: 'no recognisable header: every cell emptied, shape kept',
    input: lf('a@c.com,Hidden#Secret9,True', 'b@c.com,Other#Secret9,False'),
    expected: [
      ['', '', ''],
      ['', '', ''],
    ],
  },
];

describe('redactPasswords', () => {
  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const out = redactPasswords(c.input);
    expect(cells(out)).toEqual(c.expected);
    expect(out).not.toMatch(/#\d|#Pass|#2024|Secret/);
  });

  test('an unclosed quote empties the rest of the file after the header', () => {
    const out = redactPasswords(lf(STAGED_HEADER, 'a@c.com,"Unclosed#1,True', 'b@c.com,Later#Pass1,False'));
    expect(out).not.toContain('Unclosed#1');
    expect(out).not.toContain('Later#Pass1');
    expect(cells(out)[0]).toEqual(['EmailAddress', 'Password', 'ForceChangePassword']);
  });

  test('a file that is not text gives an empty copy', () => {
    expect(redactPasswords(Buffer.from([0x45, 0xff, 0xfe, 0x00, 0x41]))).toBe('');
    expect(redactPasswords(Buffer.from('EmailAddress,Password\na@c.com,P\xe4ss#word1\n', 'latin1'))).toBe('');
  });

  test('the copy is a valid batch again: same mailboxes, passwords from the batch default', () => {
    const original = excelUtf8(STAGED_HEADER, 'a@c.com,Welcome#2024,True', 'b@c.com,Other#2024,');
    const again = parseBatchCsv(redactPasswords(original), { defaults: { password: 'Placeholder#1' } });
    expect(again).toEqual({
      ok: true,
      format: 'staged',
      rows: [
        { line: 2, emailAddress: 'a@c.com', password: 'Placeholder#1', forceChangePassword: true },
        { line: 3, emailAddress: 'b@c.com', password: 'Placeholder#1' },
      ],
    });
  });
});
