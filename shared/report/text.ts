import { formatCount } from './format';
import type { Fact, ReportView } from './view';

/** The plain-text alternative of the mail, for clients that do not show HTML. */

/** A hostile subject with line breaks must not fake extra report lines. */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function facts(list: Fact[]): string[] {
  const width = Math.max(...list.map((f) => f.label.length));
  return list.map((f) => `  ${(f.label + ':').padEnd(width + 2)}${oneLine(f.value)}`);
}

export function renderText(view: ReportView): string {
  const title = oneLine(view.title);
  const lines: string[] = [title, '='.repeat(Math.min(title.length, 78)), '', oneLine(view.intro), ''];
  lines.push(...facts(view.batchFacts), '', 'Summary', ...facts(view.figures));
  if (view.mailboxes.length > 0) {
    lines.push('', view.mailboxHeading);
    for (const m of view.mailboxes) {
      lines.push(
        `- ${oneLine(m.emailAddress)}: ${m.status}; ${m.itemsSynced} synced${m.byKind ? ` (${oneLine(m.byKind)})` : ''}, ${m.itemsSkipped} skipped; ${m.bytes}; ` +
          `rate ${m.rate}; duration ${m.duration}; last sync ${m.lastSync}${m.error ? `; error ${oneLine(m.error)}` : ''}` +
          (m.notCarried ? `; not carried by Graph: ${oneLine(m.notCarried)}` : ''),
      );
    }
    if (view.mailboxesOmitted > 0)
      lines.push(`  (${formatCount(view.mailboxesOmitted)} more in statistics.csv)`);
  }
  if (view.skipped.length > 0) {
    lines.push('', 'Skipped items');
    for (const i of view.skipped) {
      lines.push(
        `- ${oneLine(i.emailAddress)} / ${oneLine(i.folder)} / ${i.date} / ${oneLine(i.kind)} / ${i.size}: ` +
          `"${oneLine(i.subject)}": ${oneLine(i.reason)}`,
      );
    }
    if (view.skippedOmitted > 0) lines.push(`  (${formatCount(view.skippedOmitted)} more in errors.csv)`);
  }
  if (view.cutover) {
    lines.push('', 'Cutover');
    for (const l of view.cutover) lines.push(`- ${oneLine(l)}`);
  }
  if (view.links.length > 0) {
    lines.push('', 'Links');
    for (const l of view.links) lines.push(`- ${l.label}: ${l.url}`);
  }
  lines.push('', `Report files: ${view.fileNames.join(', ')}.`);
  // Mail text is CRLF on the wire; nodemailer normalises, so plain LF here.
  return lines.join('\n') + '\n';
}
