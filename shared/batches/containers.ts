import { CodedError } from '../domain/errors';
import { REPORTS_CONTAINER } from '../report/limits';

/** Blob containers the app uses; one place, so the infra and the triggers agree. */
export const BATCH_DROP_CONTAINER = 'migration-batches';
/** Ingested CSVs, password column blanked: `batches/{batchId}/batch.csv`. */
export const BATCH_FILES_CONTAINER = 'batches';
/** Endpoint names a batch dropped into the container (with no options) uses. */
export const DEFAULT_SOURCE_ENDPOINT = 'source';
export const DEFAULT_TARGET_ENDPOINT = 'target';

/** Longest blob name Azure Storage accepts. */
const MAX_BLOB_NAME = 1024;
const APP_CONTAINERS = new Set([BATCH_DROP_CONTAINER, BATCH_FILES_CONTAINER, REPORTS_CONTAINER]);
const SEGMENT = /^[A-Za-z0-9 _().@+=,-]+$/;

/**
 * A `csvBlob` name, checked so that it can only name a blob inside the drop container: relative
 * segments of plain characters, none `.` or `..` (a client library would resolve them out of the
 * container), no leading `/`, no URL, no other container's name as its first segment.
 * REQUEST_INVALID naming the field otherwise. Returns the name unchanged.
 */
export function checkDropBlobName(name: string): string {
  const segments = name.split('/');
  const fix = `name a blob inside the ${BATCH_DROP_CONTAINER} container, e.g. "wave-3.upload" or "staged/wave-3.txt"`;
  const refuse = (why: string): never => {
    throw new CodedError('REQUEST_INVALID', `csvBlob: ${why}; ${fix}.`, { field: 'csvBlob' });
  };
  if (name.length > MAX_BLOB_NAME) refuse(`the name is longer than ${MAX_BLOB_NAME} characters`);
  if (segments.some((s) => s === '.' || s === '..')) refuse('"." and ".." segments are not allowed');
  if (segments.some((s) => s === ''))
    refuse('the name has an empty segment (a leading, trailing or double "/")');
  if (segments.some((s) => !SEGMENT.test(s)))
    refuse('use letters, digits, spaces and . _ ( ) @ + = , - between "/" (no "\\", "%", ":", "?" or "#")');
  if (segments.length > 1 && APP_CONTAINERS.has((segments[0] as string).toLowerCase()))
    refuse(
      `the name starts with the container "${segments[0]}": give the name inside ${BATCH_DROP_CONTAINER} only`,
    );
  return name;
}
