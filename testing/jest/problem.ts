import { isCodedError, type ProblemDetail } from '../../shared/domain/errors';

/** The error data an API caller would receive (CodedError.toJSON()), or a failure if it resolved. */
export async function problemOf(p: Promise<unknown>): Promise<ProblemDetail> {
  try {
    await p;
  } catch (e) {
    if (isCodedError(e)) return e.toJSON();
    throw e;
  }
  throw new Error('expected a coded error');
}
