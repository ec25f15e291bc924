import { buildReport } from '../../shared/report';
import { cutoverPack } from '../../shared/cutover/pack';
import { knownBatch } from '../report/fixture';

/**
 * The cutover block of the completion report: DNS answers come from servers mailferry does not
 * control, so a hostile TXT record must stay text in the HTML mail, the text mail and cutover.md.
 */
const HOSTILE = 'v=spf1 <img src=x onerror=alert(1)> `rm -rf` ~all';
const cutover = {
  forwarding: {
    enabled: true,
    set: 1,
    of: 3,
    warnings: [{ email: 'carl@contoso.com', code: 'DIRECTORY_USER_NOT_FOUND', message: 'No directory user' }],
  },
  dns: [
    {
      domain: 'contoso.com',
      ok: false,
      checkedAt: '2026-11-26T10:00:00.000Z',
      findings: [
        {
          record: 'MX' as const,
          name: 'contoso.com',
          status: 'ok' as const,
          found: ['0 contoso-com.mail.protection.outlook.com'],
          expected: 'contoso-com.mail.protection.outlook.com',
        },
        {
          record: 'SPF' as const,
          name: 'contoso.com',
          status: 'wrong' as const,
          found: [HOSTILE],
          expected: 'include:spf.protection.outlook.com',
          fix: `contoso.com. 3600 IN TXT "${HOSTILE}"`,
        },
      ],
    },
  ],
};

test('the completion report shows forwarding and DNS, with the pack among its files', () => {
  const files = cutoverPack({
    batch: { id: 'batch-2026-sales', name: 'Sales wave 1', status: 'Completed' },
    mailboxes: [{ email: 'anna@contoso.com', status: 'Completed' }],
    routing: new Map(),
    ...cutover,
  });
  const report = buildReport('completion', { ...knownBatch(), cutover, extraFiles: files });
  expect(report.files.map((f) => f.name)).toEqual(
    expect.arrayContaining([
      'Export-CloudMailboxes.ps1',
      'Convert-ToMailUser.ps1',
      'cutover.md',
      'statistics.csv',
    ]),
  );
  expect(report.text).toContain('- Forwarding: targetAddress set for 1 of 3 mailboxes.');
  expect(report.text).toContain(
    '- Forwarding of carl@contoso.com: DIRECTORY_USER_NOT_FOUND: No directory user',
  );
  expect(report.text).toContain('- DNS MX of contoso.com: ok.');
  expect(report.html).toContain('DNS SPF of contoso.com: wrong');
  expect(report.html).not.toContain('<img');
  expect(report.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  const json = JSON.parse(report.files.find((f) => f.name === 'report.json')!.content.toString('utf8'));
  expect(json.cutover.forwarding).toEqual(cutover.forwarding);
  const md = files.find((f) => f.name === 'cutover.md')!.content.toString('utf8');
  // Outside code spans every < is escaped, so no renderer reads the answer as HTML.
  const outsideCode = md.replace(/(?<!\\)`[^`\n]*`/g, '');
  expect(outsideCode).not.toMatch(/(^|[^\\])</m);
  expect(outsideCode).toContain('\\<img');
  const spfLine = md.split('\n').find((l) => l.includes('SPF of contoso.com'))!;
  // one code span, not broken open by the answer's backticks (escaped outside it, replaced inside)
  expect(spfLine.split(/(?<!\\)`/).length).toBe(3);
});

test('a report without cutover data has no cutover block', () => {
  const report = buildReport('completion', knownBatch());
  expect(report.text).not.toContain('Cutover');
  expect(report.files.map((f) => f.name)).toEqual(['statistics.csv', 'errors.csv', 'report.json']);
});
