import { z } from 'zod';
import { CSV_ERROR_CODES } from './codes';
import { FORMAT_LABELS } from './columns';
import { CSV_LIMITS } from './limits';
import type { ProblemList } from './problems';
import type { CsvFormat, CsvParseOptions } from './types';

/**
 * The parse options, checked with zod: they come from the API body or the blob trigger's batch
 * settings, i.e. from outside. Unknown keys are refused so that a misspelt `allowUnknownColumn`
 * does not silently do nothing.
 */
export const csvParseOptionsSchema = z
  .object({
    format: z.enum(['staged', 'imap', 'auto']).default('auto'),
    allowUnknownColumns: z.boolean().default(false),
    defaults: z
      .object({
        password: z.string().min(1).optional(),
        forceChangePassword: z.boolean().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type CheckedCsvOptions = z.output<typeof csvParseOptionsSchema>;

/** Returns the checked options, or undefined after adding the problems (never echoing a value). */
export function checkOptions(
  options: CsvParseOptions | undefined,
  problems: ProblemList,
): CheckedCsvOptions | undefined {
  const parsed = csvParseOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.') || 'options';
      problems.add({
        code: CSV_ERROR_CODES.INVALID_OPTION,
        column: path,
        // zod's messages name the expected type or key, never the received value.
        message: `Batch option ${path}: ${issue.message}.`,
      });
    }
    return undefined;
  }
  return parsed.data;
}

/** The batch default password is a staged row's new cloud password too: same length limits. */
export function checkDefaultsForFormat(
  options: CheckedCsvOptions,
  format: CsvFormat,
  problems: ProblemList,
): void {
  const password = options.defaults.password;
  if (format !== 'staged' || password === undefined) return;
  const { stagedPasswordMinLength: min, stagedPasswordMaxLength: max } = CSV_LIMITS;
  const length = [...password].length;
  if (length >= min && length <= max) return;
  problems.add({
    code: CSV_ERROR_CODES.INVALID_OPTION,
    column: 'defaults.password',
    message: `The batch default password must be ${min} to ${max} characters long, as Microsoft 365 requires for the ${FORMAT_LABELS[format]}. Choose another one.`,
  });
}
