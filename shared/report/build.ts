import { parseReportInput } from './input';
import { CodedError } from '../domain/errors';
import { REPORT_KINDS, type ReportKind } from './kinds';
import { errorsCsv, FILE_NAMES, reportJson, statisticsCsv, type ReportFile } from './files';
import { renderHtml } from './html';
import { renderText } from './text';
import { buildView } from './view';

/** A report ready to mail and store. Holds no password and no message body by construction. */
export interface BuiltReport {
  kind: ReportKind;
  batchId: string;
  subject: string;
  html: string;
  text: string;
  files: ReportFile[];
}

export interface BuildOptions {
  /** When the report is made; tests pass a fixed time. */
  now?: Date;
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
      errorsCsv(report),
      reportJson(kind, report, { mailboxes, setUp, failed, pending, other }, options.now ?? new Date()),
      ...extra,
    ],
  };
}
