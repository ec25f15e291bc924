import Papa from 'papaparse';
import { z } from 'zod';
import { CodedError } from '../domain/errors';
import { isGuid } from './guid';
import { CLOUD_MAILBOX_COLUMNS, EXPORT_SCRIPT } from './scripts';

/** The CSV Export-CloudMailboxes.ps1 writes, read back for the LDAP half of the conversion. */
export const CLOUD_CSV_MAX_ROWS = 10_000;

const rowSchema = z.object({
  SourceAddress: z.email(),
  PrimarySmtpAddress: z.email(),
  ExchangeGuid: z.string().refine(isGuid, 'must be a GUID'),
  LegacyExchangeDN: z.string().regex(/^\/o=/i, 'must be an Exchange legacy DN starting with /o='),
  EmailAddresses: z.string(),
  RoutingAddress: z.email(),
});
export type CloudMailboxRow = z.output<typeof rowSchema>;

export function parseCloudMailboxesCsv(text: string): CloudMailboxRow[] {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), {
    header: true,
    skipEmptyLines: true,
  });
  const header = parsed.meta.fields ?? [];
  const missing = CLOUD_MAILBOX_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new CodedError(
      'CONVERSION_CSV_INVALID',
      `The CSV has no ${missing.join(', ')} column: upload the CSV that ${EXPORT_SCRIPT} wrote.`,
      { field: missing[0] },
    );
  }
  if (parsed.data.length > CLOUD_CSV_MAX_ROWS) {
    throw new CodedError('CONVERSION_CSV_INVALID', `The CSV has more than ${CLOUD_CSV_MAX_ROWS} rows.`);
  }
  return parsed.data.map((raw, i) => {
    const row = rowSchema.safeParse(raw);
    if (row.success) return row.data;
    const issue = row.error.issues[0];
    const column = String(issue?.path[0] ?? '');
    throw new CodedError(
      'CONVERSION_CSV_INVALID',
      `Row ${i + 2}, column ${column}: ${issue?.message ?? 'invalid'}. Use the CSV that ${EXPORT_SCRIPT} wrote, unchanged.`,
      { row: i + 2, column },
    );
  });
}
