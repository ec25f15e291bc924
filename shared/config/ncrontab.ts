/**
 * NCRONTAB as the Azure Functions timer trigger reads it: six fields, seconds first
 * (`{second} {minute} {hour} {day} {month} {day-of-week}`). Checked here so a typo in the schedule
 * setting fails at start with the field that is wrong, not silently on Azure (where the host refuses
 * to index the function) or in the embedded scheduler.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** One list item: `*`, `*\/n`, `a`, `a-b`, `a/n`, `a-b/n` (values are numbers or, for month and day of week, names). */
const ITEM = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/;

function valueOf(token: string, field: Field): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return field.name === 'month' ? index + 1 : index;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const item of text.split(',')) {
    const m = ITEM.exec(item);
    if (!m || !m[1]) return `the ${field.name} field "${text}" is not a number, range, list or step`;
    const [range, step] = [m[1], m[2]];
    if (step !== undefined && Number(step) < 1) return `the ${field.name} field has a step of 0`;
    if (range === '*') continue;
    for (const token of range.split('-')) {
      const v = valueOf(token, field);
      if (v === undefined || v < field.min || v > field.max) {
        return `the ${field.name} field must be within ${field.min}-${field.max} (found "${token}")`;
      }
    }
  }
  return undefined;
}

/** Returns why `expression` is not a six-field NCRONTAB expression, or undefined when it is one. */
export function ncrontabProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `expected 6 fields (second minute hour day month day-of-week), found ${parts.length}`;
  }
  for (let i = 0; i < FIELDS.length; i++) {
    const problem = fieldProblem(parts[i] as string, FIELDS[i] as Field);
    if (problem) return problem;
  }
  return undefined;
}
