import { z } from 'zod';
import { MAX_AGE_DAYS } from './limits';

/**
 * The `since` / `before` batch options: a calendar date (`2024-01-31`), a timestamp
 * (`2024-01-31T12:00:00Z`) or an age (`90d`, `12w`). An age is kept as written and turned into a
 * date only when a pass starts, so "older than 90 days" stays relative to each pass instead of to
 * the day the batch was made.
 */
const AGE = /^(\d{1,5})([dw])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const DATE_OR_AGE_HINT =
  'use a date like 2024-01-31, a timestamp like 2024-01-31T00:00:00Z or an age like 90d or 12w';

function ageDays(value: string): number | undefined {
  const m = AGE.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'w' ? 7 : 1);
}

/** True when `value` is a date, a timestamp or an age this module understands. */
export function isDateOrAge(value: string): boolean {
  const days = ageDays(value);
  if (days !== undefined) return days <= MAX_AGE_DAYS;
  if (!DATE.test(value) && !TIMESTAMP.test(value)) return false;
  return !Number.isNaN(Date.parse(DATE.test(value) ? `${value}T00:00:00Z` : value));
}

export const dateOrAgeSchema = z
  .string()
  .trim()
  .refine(isDateOrAge, {
    message: `is not a date or an age: ${DATE_OR_AGE_HINT} (ages up to ${MAX_AGE_DAYS}d)`,
  });

/** The moment `value` stands for when a pass starts at `passStart` (a calendar date is midnight UTC). */
export function resolveDateOrAge(value: string, passStart: Date): Date {
  const days = ageDays(value);
  if (days !== undefined) return new Date(passStart.getTime() - days * 86_400_000);
  return new Date(DATE.test(value) ? `${value}T00:00:00Z` : value);
}

/** Both ends resolved for one pass; undefined ends stay open. */
export function resolveDateWindow(
  window: { since?: string; before?: string },
  passStart: Date,
): { since?: Date; before?: Date } {
  return {
    ...(window.since ? { since: resolveDateOrAge(window.since, passStart) } : {}),
    ...(window.before ? { before: resolveDateOrAge(window.before, passStart) } : {}),
  };
}
