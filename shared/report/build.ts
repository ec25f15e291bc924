import { parseReportInput } from './input';
import { CodedError } from '../domain/errors';
import { REPORT_KINDS, type ReportKind } from './kinds';
import { errorsCsv, FILE_NAMES, reportJson, statisticsCsv, type ReportFile } from './files';
import { renderHtml } from './html';
import { renderText } from './text';
import { buildView } from './view';
import { streamedErrorsCsv, type SkippedItemSource, type StreamedReportFile } from './stream';

/** A report ready to mail and store. Holds no password and no message body by construction. */
export interface BuiltReport {
  kind: ReportKind;
  batchId: string;
  subject: string;
  html: string;
  text: string;
  files: ReportFile[];
  /** Files written to blob storage as a stream and never attached (a large batch's errors.csv). */
  streamedFiles?: StreamedReportFile[];
}

export interface BuildOptions {
  /** When the report is made; tests pass a fixed time. */
  now?: Date;
  /**
   * A batch with many skipped items: `skippedItems` of the input holds the first of them (the mail
   * body's), and errors.csv is streamed from this source instead of built in memory.
   */
  skipped?: SkippedItemSource;
}

/**
 * Builds a report of `kind` from a batch snapshot. The snapshot is validated first (throws
 * CodedError `REPORT_INVALID_INPUT` naming each bad field), so nothing unchecked reaches a report.
 */
export function buildReport(kind: ReportKind, input: unknown, options: BuildOptions = {}): BuiltReport {
  if (!REPORT_KINDS.includes(kind)) {
    throw new CodedError('REPORT_INVALID_KIND', `Report kind must be one of ${REPORT_KINDS.join(', ')}.`, {
      field: 'kind',
    });
  }
  const report = parseReportInput(input);
  const skipped = options.skipped;
  if (skipped) report.skippedItemsTotal = Math.max(report.skippedItemsTotal, skipped.total);
  const extra = report.extraFiles;
  const view = buildView(kind, report, [...Object.values(FILE_NAMES), ...extra.map((f) => f.name)]);
  const { mailboxes, setUp, failed, pending, other } = view.summary;
  return {
    kind,
    batchId: report.batch.id,
    subject: view.subject,
    html: renderHtml(view),
    text: renderText(view),
    files: [
      statisticsCsv(report),
      ...(skipped ? [] : [errorsCsv(report)]),
      reportJson(kind, report, { mailboxes, setUp, failed, pending, other }, options.now ?? new Date()),
      ...extra,
    ],
    ...(skipped ? { streamedFiles: [streamedErrorsCsv(report, skipped)] } : {}),
  };
}
