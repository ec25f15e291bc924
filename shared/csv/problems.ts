import { CSV_ERROR_CODES } from './codes';
import { CSV_LIMITS } from './limits';
import type { CsvProblem } from './types';

/**
 * Collects every problem of a file (the administrator fixes them all in one go), but keeps at most
 * `CSV_LIMITS.maxProblems`: a file that is wrong on every line needs one clear answer, not 50,000.
 */
export class ProblemList {
  private readonly kept: CsvProblem[] = [];
  private dropped = 0;

  constructor(private readonly max: number = CSV_LIMITS.maxProblems) {}

  add(problem: CsvProblem): void {
    if (this.kept.length < this.max) this.kept.push(problem);
    else this.dropped++;
  }

  get count(): number {
    return this.kept.length + this.dropped;
  }

  /** The problems in line order (file-wide ones first), then the note about those left out. */
  list(): CsvProblem[] {
    const sorted = this.kept
      .map((p, i) => ({ p, i }))
      .sort((a, b) => (a.p.row ?? 0) - (b.p.row ?? 0) || a.i - b.i)
      .map(({ p }) => p);
    if (this.dropped > 0) {
      sorted.push({
        code: CSV_ERROR_CODES.TOO_MANY_ERRORS,
        message:
          `${this.dropped.toLocaleString('en-US')} more problem(s) not listed. ` +
          'Fix the problems above (they are often the same mistake on every line) and upload the file again.',
      });
    }
    return sorted;
  }
}
