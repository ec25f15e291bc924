import type { MailboxStatus } from '../domain/statuses';
import { formatCount } from './format';
import type { Fact, ReportView } from './view';

/**
 * The HTML mail body: one self-contained document with inline styles only (mail clients drop
 * <style> blocks and external resources). Every piece of data goes through `escapeHtml`: subjects,
 * folders and even addresses come from mail and are hostile input.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const STYLE = {
  body: 'margin:0;padding:16px;background:#f5f6f8;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;font-size:14px;',
  card: 'max-width:1100px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;padding:20px;',
  h1: 'font-size:20px;margin:0 0 8px 0;',
  h2: 'font-size:16px;margin:24px 0 8px 0;',
  p: 'margin:0 0 12px 0;line-height:1.4;',
  table: 'border-collapse:collapse;width:100%;font-size:13px;',
  th: 'text-align:left;border-bottom:2px solid #d0d7de;padding:6px 8px;background:#f6f8fa;',
  td: 'border-bottom:1px solid #eaeef2;padding:6px 8px;vertical-align:top;word-break:break-word;',
  num: 'border-bottom:1px solid #eaeef2;padding:6px 8px;vertical-align:top;text-align:right;white-space:nowrap;',
  factLabel: 'padding:3px 12px 3px 0;color:#57606a;white-space:nowrap;',
  factValue: 'padding:3px 0;font-weight:600;',
  note: 'color:#57606a;font-size:12px;margin:6px 0 0 0;',
  link: 'color:#0969da;',
} as const;

const STATUS_COLOURS: Partial<Record<MailboxStatus, string>> = {
  Synced: '#1a7f37',
  IncrementalSynced: '#1a7f37',
  Completed: '#1a7f37',
  CompletedWithWarnings: '#9a6700',
  Failed: '#cf222e',
  IncrementalFailed: '#cf222e',
};

function statusBadge(status: MailboxStatus): string {
  const colour = STATUS_COLOURS[status] ?? '#57606a';
  return `<span style="color:${colour};font-weight:600;">${escapeHtml(status)}</span>`;
}

function factsTable(facts: Fact[]): string {
  const rows = facts
    .map(
      (f) =>
        `<tr><td style="${STYLE.factLabel}">${escapeHtml(f.label)}</td><td style="${STYLE.factValue}">${escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  return `<table role="presentation" style="border-collapse:collapse;font-size:14px;">${rows}</table>`;
}

function dataTable(headers: string[], numeric: boolean[], rows: string[][]): string {
  const head = headers.map((h) => `<th style="${STYLE.th}">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (cells) =>
        `<tr>${cells.map((c, i) => `<td style="${numeric[i] ? STYLE.num : STYLE.td}">${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table style="${STYLE.table}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function omittedNote(count: number, file: string): string {
  return count > 0
    ? `<p style="${STYLE.note}">${escapeHtml(`${formatCount(count)} more rows are in ${file}.`)}</p>`
    : '';
}

export function renderHtml(view: ReportView): string {
  const e = escapeHtml;
  const parts: string[] = [];
  parts.push(`<h1 style="${STYLE.h1}">${e(view.title)}</h1>`);
  parts.push(`<p style="${STYLE.p}">${e(view.intro)}</p>`);
  parts.push(factsTable(view.batchFacts));
  parts.push(`<h2 style="${STYLE.h2}">Summary</h2>`, factsTable(view.figures));
  if (view.summary.byStatus.length > 0) {
    parts.push(
      `<h2 style="${STYLE.h2}">Mailboxes by status</h2>`,
      dataTable(
        ['Status', 'Mailboxes'],
        [false, true],
        view.summary.byStatus.map((s) => [statusBadge(s.status), e(formatCount(s.count))]),
      ),
    );
  }
  if (view.mailboxes.length > 0) parts.push(mailboxSection(view));
  if (view.skipped.length > 0) parts.push(skippedSection(view));
  if (view.cutover)
    parts.push(
      bulletSection(
        'Cutover',
        view.cutover.map((l) => e(l)),
      ),
    );
  if (view.links.length > 0) {
    const items = view.links.map((l) => `<a style="${STYLE.link}" href="${e(l.url)}">${e(l.label)}</a>`);
    parts.push(bulletSection('Links', items));
  }
  parts.push(
    `<p style="${STYLE.note}">${e(`Report files: ${view.fileNames.join(', ')}. They are attached when small enough and always kept in the reports container.`)}</p>`,
  );
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${e(view.subject)}</title></head>` +
    `<body style="${STYLE.body}"><div style="${STYLE.card}">${parts.join('')}</div></body></html>`
  );
}

/** A heading and a bulleted list of items that are HTML already (escaped by the caller). */
function bulletSection(heading: string, itemsHtml: readonly string[]): string {
  const items = itemsHtml.map((i) => `<li>${i}</li>`).join('');
  return `<h2 style="${STYLE.h2}">${heading}</h2><ul style="margin:0;padding-left:20px;">${items}</ul>`;
}

const MAILBOX_COLUMNS = [
  'Mailbox',
  'Status',
  'Items synced',
  'By kind',
  'Items skipped',
  'Data',
  'Rate',
  'Duration',
  'Last sync',
  'Error',
  'Not carried (Graph)',
];
const MAILBOX_NUMERIC = [false, false, true, false, true, true, false, true, false, false, false];

function mailboxSection(view: ReportView): string {
  const e = escapeHtml;
  return (
    `<h2 style="${STYLE.h2}">${e(view.mailboxHeading)}</h2>` +
    dataTable(
      MAILBOX_COLUMNS,
      MAILBOX_NUMERIC,
      view.mailboxes.map((m) => [
        e(m.emailAddress),
        statusBadge(m.status),
        e(m.itemsSynced),
        e(m.byKind),
        e(m.itemsSkipped),
        e(m.bytes),
        e(m.rate),
        e(m.duration),
        e(m.lastSync),
        e(m.error),
        e(m.notCarried),
      ]),
    ) +
    omittedNote(view.mailboxesOmitted, 'statistics.csv')
  );
}

function skippedSection(view: ReportView): string {
  const e = escapeHtml;
  return (
    `<h2 style="${STYLE.h2}">Skipped items</h2>` +
    dataTable(
      ['Mailbox', 'Folder', 'Date', 'Subject', 'Kind', 'Size', 'Reason'],
      [false, false, false, false, false, true, false],
      view.skipped.map((i) => [
        e(i.emailAddress),
        e(i.folder),
        e(i.date),
        e(i.subject),
        e(i.kind),
        e(i.size),
        e(i.reason),
      ]),
    ) +
    omittedNote(view.skippedOmitted, 'errors.csv')
  );
}
