/**
 * PowerShell text helpers: values mailferry puts into a script are single-quoted literals (no
 * expansion), with `'` doubled as the language requires.
 */
export function psLiteral(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, "''")}'`;
}

/** A comment line can hold no line break (a value must not end the comment and start code). */
export function psComment(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').replace(/#>/g, '# >');
}
