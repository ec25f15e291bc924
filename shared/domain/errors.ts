/**
 * Errors as data. Every problem a user can cause or fix is reported as `{code, message, ...}`:
 * a stable machine-readable code, a sentence that says what to fix, and where it applies
 * (row, column, field, path). Never a stack trace, never a password or token.
 */
export interface ProblemDetail {
  code: string;
  message: string;
  [where: string]: unknown;
}

/** An error that carries its problem(s) as data, for boundaries to turn into a 4xx answer. */
export class CodedError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CodedError';
    this.code = code;
    this.details = details;
  }
  toJSON(): ProblemDetail {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isCodedError(e: unknown): e is CodedError {
  return e instanceof CodedError;
}
