import { z } from 'zod';
import { CodedError } from '../domain/errors';
import { csvRowsText, toCsv } from './csv';
import { CSV_TYPE, ERRORS_COLUMNS, FILE_NAMES, failedMailboxRows, skippedItemRows } from './files';
import { skippedItemSchema, type ValidBatchReport } from './input';

/**
 * A report file too large to hold in memory (errors.csv of a batch with 200,000 skipped items): its
 * bytes are produced piece by piece while it is uploaded, and it is never attached to the mail.
 */
export interface StreamedReportFile {
  name: string;
  contentType: string;
  chunks(): AsyncIterable<Buffer>;
}

/** Where a large batch's skipped items come from: read page by page, each time the file is written. */
export interface SkippedItemSource {
  /** How many there are (the mailboxes' counters), for the mail body. */
  total: number;
  pages(): AsyncIterable<readonly unknown[]>;
}

const pageSchema = z.array(skippedItemSchema);

/** errors.csv, written as it is read: the failed mailboxes, then each page of skipped items. */
export function streamedErrorsCsv(report: ValidBatchReport, skipped: SkippedItemSource): StreamedReportFile {
  return {
    name: FILE_NAMES.errors,
    contentType: CSV_TYPE,
    chunks: async function* () {
      yield Buffer.from(toCsv(ERRORS_COLUMNS, failedMailboxRows(report)), 'utf8');
      for await (const page of skipped.pages()) {
        const parsed = pageSchema.safeParse(page);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new CodedError(
            'REPORT_INVALID_INPUT',
            `A skipped item read for errors.csv is not valid: skippedItems.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}. Fix the batch state it was read from.`,
            { field: `skippedItems.${issue?.path.join('.') ?? ''}` },
          );
        }
        const text = csvRowsText(skippedItemRows(parsed.data));
        if (text) yield Buffer.from(text, 'utf8');
      }
    },
  };
}
