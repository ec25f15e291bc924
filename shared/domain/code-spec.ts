/** One registered error code (shared/domain/codes.ts): its HTTP status, what to do, whether retrying helps. */
export interface CodeSpec {
  /** HTTP status of an API answer with this code. */
  status: number;
  /** What to do, one sentence (the message says what happened). */
  hint: string;
  /** True when the same call may succeed later without anyone changing anything. */
  transient?: boolean;
}

export const code = (status: number, hint: string, transient = false): CodeSpec => ({
  status,
  hint,
  transient,
});
export const retry = (status: number, hint: string): CodeSpec => code(status, hint, true);
