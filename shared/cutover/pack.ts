import type { ReportFile } from '../report';
import type { DomainCheck } from './dns-check';
import {
  CONVERT_SCRIPT,
  EXPORT_SCRIPT,
  cloudCsvName,
  convertScript,
  exportScript,
  type ScriptUser,
} from './scripts';

/**
 * The cutover pack a completed batch leaves among its report files: the two conversion scripts and
 * `cutover.md`, the administrator's checklist with this batch's numbers filled in.
 */
export const CUTOVER_CHECKLIST = 'cutover.md';

export interface PackInput {
  batch: { id: string; name: string; status: string; completedAt?: string };
  /** Every mailbox of the batch; those Completed go into the scripts. */
  mailboxes: Array<{ email: string; status: string }>;
  routing: Map<string, string>;
  forwarding: {
    enabled: boolean;
    set: number;
    of: number;
    warnings: Array<{ email: string; code: string; message: string }>;
  };
  dns: DomainCheck[];
}

const PS_TYPE = 'text/plain; charset=utf-8';
const MD_TYPE = 'text/markdown; charset=utf-8';
// Windows PowerShell 5.1 reads a file without a byte-order mark as the ANSI code page.
const BOM = '\uFEFF';

export function cutoverPack(input: PackInput): ReportFile[] {
  const converted = input.mailboxes.filter((m) => m.status === 'Completed');
  const users: ScriptUser[] = converted.map((m) => ({
    email: m.email,
    routingAddress: input.routing.get(m.email.toLowerCase()),
  }));
  return [
    {
      name: EXPORT_SCRIPT,
      contentType: PS_TYPE,
      content: Buffer.from(BOM + crlf(exportScript(input.batch, users)), 'utf8'),
    },
    {
      name: CONVERT_SCRIPT,
      contentType: PS_TYPE,
      content: Buffer.from(BOM + crlf(convertScript(input.batch)), 'utf8'),
    },
    {
      name: CUTOVER_CHECKLIST,
      contentType: MD_TYPE,
      content: Buffer.from(checklist(input, converted.length), 'utf8'),
    },
  ];
}

const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** Markdown-safe inline text: no line breaks, no table pipes, no backticks. */
const md = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/[|`<>]/g, (c) => `\\${c}`);

function checklist(input: PackInput, converted: number): string {
  const { batch } = input;
  const total = input.mailboxes.length;
  const left = input.mailboxes.filter((m) => m.status !== 'Completed');
  const lines: string[] = [
    `# Cutover checklist: ${md(batch.name)}`,
    '',
    `Batch ${batch.id}, status ${batch.status}${batch.completedAt ? `, completed ${batch.completedAt}` : ''}.`,
    `${converted} of ${total} mailboxes are completed and go into the conversion scripts.`,
    '',
    '## 1. Forwarding',
    '',
    ...forwardingLines(input.forwarding),
    ...scriptSteps(batch.id, converted),
    '',
    '## 4. DNS',
    '',
    ...dnsLines(input.dns),
  ];
  if (left.length) {
    lines.push('', '## Not in this pack', '');
    for (const m of left) lines.push(`- ${md(m.email)}: ${m.status}`);
  }
  return lines.join('\n') + '\n';
}

function forwardingLines(forwarding: PackInput['forwarding']): string[] {
  if (!forwarding.enabled) {
    return [
      '- [ ] Forwarding was not set by mailferry (no directory endpoint, or setForwarding false): set targetAddress yourself.',
    ];
  }
  return [
    `- [${forwarding.set === forwarding.of ? 'x' : ' '}] targetAddress set for ${forwarding.set} of ${forwarding.of} mailboxes.`,
    ...forwarding.warnings.map((w) => `  - ${md(w.email)}: ${w.code}: ${md(w.message)}`),
  ];
}

/** Steps 2 and 3: the export in Exchange Online, then the conversion on premises (-WhatIf first). */
function scriptSteps(batchId: string, converted: number): string[] {
  return [
    '',
    '## 2. Export the cloud mailboxes (Exchange Online PowerShell)',
    '',
    '```powershell',
    'Connect-ExchangeOnline',
    `.\\${EXPORT_SCRIPT}`,
    '```',
    '',
    `- [ ] ${EXPORT_SCRIPT} printed EXPORTED for ${converted} users and wrote ${cloudCsvName(batchId)}.`,
    '',
    '## 3. Convert the on-premises mailboxes (Exchange 2007 Management Shell)',
    '',
    '```powershell',
    `.\\${CONVERT_SCRIPT} -CsvPath .\\${cloudCsvName(batchId)} -WhatIf`,
    `.\\${CONVERT_SCRIPT} -CsvPath .\\${cloudCsvName(batchId)} -Confirm:$false`,
    '```',
    '',
    `- [ ] The -WhatIf run printed WHATIF for ${converted} users and nothing else.`,
    `- [ ] The real run printed CONVERTED for ${converted} users; any FAILED line names the user and the step.`,
  ];
}

function dnsLines(dns: PackInput['dns']): string[] {
  if (dns.length === 0) return ['- [ ] No domain was checked.'];
  const lines: string[] = [];
  for (const d of dns) {
    if ('error' in d) {
      lines.push(`- [ ] ${md(d.domain)}: not checked: ${d.error.code}: ${md(d.error.message)}`);
      continue;
    }
    for (const f of d.findings) {
      const box = f.status === 'ok' ? 'x' : ' ';
      const detail =
        f.status === 'ok'
          ? 'ok'
          : f.status === 'error'
            ? `${f.error?.code}: ${md(f.error?.message ?? '')}`
            : `${f.status}${f.found.length ? ` (now: ${md(f.found.join(', '))})` : ''}; create: \`${codeSpan(f.fix ?? '')}\``;
      lines.push(`- [${box}] ${f.record} of ${md(f.name)}: ${detail}`);
    }
  }
  return lines;
}

/** Text inside a code span: a backtick (from a hostile DNS answer) would end it, a line break the item. */
const codeSpan = (s: string) => s.replace(/`/g, "'").replace(/[\r\n]+/g, ' ');
