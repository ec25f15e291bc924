import { z } from 'zod';
import { stateError, type StateErrorCode } from './errors';
import { MAX_STRING_PROPERTY } from './limits';

/**
 * Mapping between domain objects and Table entities. Everything read is parsed with zod, so a row
 * that was edited by hand or written by an older version yields STATE_CORRUPT_ENTITY naming the row
 * and the fields, never a crash deep inside a caller.
 */

export interface RowAddress {
  table: string;
  partitionKey: string;
  rowKey: string;
}

/**
 * Numbers are written as Edm.Double: an untyped JSON integer is taken as Int32 by the service and
 * byte counters pass 2^31. Doubles are exact to 2^53 and read back as plain numbers.
 */
export function dbl(n: number): { value: string; type: 'Double' } {
  return { value: String(n), type: 'Double' };
}

/** A number column as read back: Double/Int32 arrive as numbers, Int64 (hand-edited rows) as bigint. */
export const numberColumn = z.preprocess(
  (v) => (typeof v === 'bigint' ? Number(v) : v),
  z.number().finite().nonnegative(),
);

export const isoTimestamp = z.iso.datetime({ offset: true });

/** A column holding JSON text, parsed and then checked with `schema`. */
export function jsonColumn<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.issues.push({ code: 'custom', message: 'is not valid JSON', input: text });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** JSON text for a column, refused with `code` when it would not fit in one string property. */
export function toJsonColumn(value: unknown, field: string, code: StateErrorCode): string {
  const text = JSON.stringify(value);
  if (text.length > MAX_STRING_PROPERTY) {
    throw stateError(
      code,
      `${field} is too large to store (${text.length} characters as JSON, at most ${MAX_STRING_PROPERTY}); make it smaller.`,
      {
        field,
      },
    );
  }
  return text;
}

export function parseEntity<S extends z.ZodType>(schema: S, raw: unknown, where: RowAddress): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 10)
    .map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw stateError(
    'STATE_CORRUPT_ENTITY',
    `Row ${where.rowKey} in table ${where.table} (partition ${where.partitionKey}) is not in the expected shape: ` +
      `${issues.map((i) => `${i.path || '(row)'} ${i.message}`).join('; ')}. Fix or delete the row.`,
    { ...where, issues },
  );
}

/** Drops undefined values: a Replace write then removes the column, which is how a field is cleared. */
export function definedOnly<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
