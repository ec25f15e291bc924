import { cutoverPack } from '../../shared/cutover/pack';
import { CLOUD_MAILBOX_COLUMNS } from '../../shared/cutover/scripts';

/**
 * The conversion pack's scripts, read as text the way PowerShell would see them: the CSV contract
 * between them, -WhatIf guarding every change, no value of the batch able to escape its quotes.
 */
const pack = cutoverPack({
  batch: {
    id: 'b0001',
    name: "Wave 1 (O'Brien's team)",
    status: 'Completed',
    completedAt: '2026-01-02T03:04:05.000Z',
  },
  mailboxes: [
    { email: 'alice@contoso.test', status: 'Completed' },
    { email: "o'brien@contoso.test", status: 'Completed' },
    { email: 'carol@contoso.test', status: 'Failed' },
  ],
  routing: new Map([['alice@contoso.test', 'alice@contoso.mail.onmicrosoft.com']]),
  forwarding: {
    enabled: true,
    set: 1,
    of: 3,
    warnings: [
      { email: "o'brien@contoso.test", code: 'DIRECTORY_USER_NOT_FOUND', message: 'No directory user' },
    ],
  },
  dns: [
    {
      domain: 'contoso.test',
      ok: false,
      checkedAt: '2026-01-02T03:04:05.000Z',
      findings: [
        {
          record: 'MX',
          name: 'contoso.test',
          status: 'ok',
          found: ['0 contoso-test.mail.protection.outlook.com'],
          expected: 'contoso-test.mail.protection.outlook.com',
        },
        {
          record: 'Autodiscover',
          name: 'autodiscover.contoso.test',
          status: 'missing',
          found: [],
          expected: 'autodiscover.outlook.com',
          fix: 'autodiscover.contoso.test. 3600 IN CNAME autodiscover.outlook.com.',
        },
        {
          record: 'SPF',
          name: 'contoso.test',
          status: 'ok',
          found: ['v=spf1 include:spf.protection.outlook.com -all'],
          expected: 'include:spf.protection.outlook.com',
        },
      ],
    },
  ],
});
const file = (name: string) =>
  pack
    .find((f) => f.name === name)!
    .content.toString('utf8')
    .replace(/^\uFEFF/, '');
const exportPs = file('Export-CloudMailboxes.ps1');
const convertPs = file('Convert-ToMailUser.ps1');

/** The body of the script block that opens at `open` (index of its `{`), braces balanced, strings skipped. */
function blockAt(text: string, open: number): { start: number; end: number } {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { start: open, end: i };
  }
  throw new Error('unbalanced braces');
}

test('the columns Convert reads are exactly the ones Export writes', () => {
  const selected = /Select-Object ([\w, ]+) \| Export-Csv/.exec(exportPs)![1]!.split(/,\s*/);
  const objectKeys = [...exportPs.matchAll(/^\s+(\w+)\s+= /gm)].map((m) => m[1]);
  expect(selected).toEqual([...CLOUD_MAILBOX_COLUMNS]);
  expect(objectKeys).toEqual([...CLOUD_MAILBOX_COLUMNS]);
  const read = new Set([...convertPs.matchAll(/\$row\.(\w+)/g)].map((m) => m[1]));
  expect([...read].sort()).toEqual([...CLOUD_MAILBOX_COLUMNS].sort());
  // and it refuses a CSV that lacks one of them
  expect(convertPs).toContain(`$required = @(${CLOUD_MAILBOX_COLUMNS.map((c) => `'${c}'`).join(', ')})`);
});

test('every change Convert makes is inside its ShouldProcess guard, so -WhatIf changes nothing', () => {
  expect(convertPs).toMatch(/\[CmdletBinding\(SupportsShouldProcess = \$true/);
  const guard = convertPs.indexOf('if ($PSCmdlet.ShouldProcess(');
  expect(guard).toBeGreaterThan(0);
  const block = blockAt(convertPs, convertPs.indexOf('{', guard));
  // A change is a statement that runs a changing cmdlet or writes an AD entry (not a description string).
  const CHANGES =
    /^[ \t]*(?:(Disable-Mailbox|Enable-MailUser|Set-MailUser|Set-Mailbox|Remove-\w+|Set-ADUser)\b|\$\w+\.(SetInfo|Put|PutEx)\()/gm;
  const changes = [...convertPs.matchAll(CHANGES)].filter((m) => !isInComment(convertPs, m.index!));
  expect(changes.map((m) => (m[1] ?? m[2])!)).toEqual([
    'Disable-Mailbox',
    'Enable-MailUser',
    'Set-MailUser',
    'Put',
    'SetInfo',
  ]);
  for (const m of changes)
    expect({ change: m[0].trim(), guarded: m.index! > block.start && m.index! < block.end }).toEqual({
      change: m[0].trim(),
      guarded: true,
    });
  // Export only reads
  const exportChanges = [...exportPs.matchAll(/\b(Set|Remove|Disable|Enable|New|Add)-\w+/g)].filter(
    (m) => !isInComment(exportPs, m.index!),
  );
  expect(exportChanges).toEqual([]);
});

function isInComment(text: string, at: number): boolean {
  const open = text.lastIndexOf('<#', at);
  return open >= 0 && text.indexOf('#>', open) > at;
}

test('values of the batch stay inside single quotes; no "$name:" that PowerShell would read as a drive', () => {
  expect(exportPs).toContain("SourceAddress = 'o''brien@contoso.test'; RoutingAddress = ''");
  expect(exportPs).toContain(
    "SourceAddress = 'alice@contoso.test'; RoutingAddress = 'alice@contoso.mail.onmicrosoft.com'",
  );
  expect(exportPs).not.toContain('carol@contoso.test'); // failed: not converted
  for (const script of [exportPs, convertPs]) {
    const doubleQuoted = [...script.matchAll(/"([^"\r\n]*)"/g)].map((m) => m[1]!);
    expect(doubleQuoted.filter((s) => /\$\w+:/.test(s))).toEqual([]);
  }
  expect(file('Convert-ToMailUser.ps1').includes('\r\n')).toBe(true);
});

test('cutover.md has the numbers of the batch filled in', () => {
  const md = file('cutover.md');
  expect(md).toContain('2 of 3 mailboxes are completed');
  expect(md).toContain('targetAddress set for 1 of 3 mailboxes');
  expect(md).toContain("o'brien@contoso.test: DIRECTORY_USER_NOT_FOUND");
  expect(md).toContain('printed WHATIF for 2 users');
  expect(md).toContain(
    '- [ ] Autodiscover of autodiscover.contoso.test: missing; create: `autodiscover.contoso.test. 3600 IN CNAME autodiscover.outlook.com.`',
  );
  expect(md).toContain('- [x] MX of contoso.test: ok');
  expect(md).toContain('- carol@contoso.test: Failed');
});
