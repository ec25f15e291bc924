/** Blob containers the app uses; one place, so the infra and the triggers agree. */
export const BATCH_DROP_CONTAINER = 'migration-batches';
/** Ingested CSVs, password column blanked: `batches/{batchId}/batch.csv`. */
export const BATCH_FILES_CONTAINER = 'batches';
/** Endpoint names a batch dropped into the container (with no options) uses. */
export const DEFAULT_SOURCE_ENDPOINT = 'source';
export const DEFAULT_TARGET_ENDPOINT = 'target';
