import { GraphError, describePath, isGraphError } from './errors';

/**
 * A request that creates something was sent and its answer was a 503/504 or never came: Graph may
 * or may not have carried it out. Never repeated blindly; the caller looks the item up by its key.
 */
export const OUTCOME_UNKNOWN = 'GRAPH_OUTCOME_UNKNOWN';

export function outcomeUnknown(method: string, pathOrUrl: string, status: number): GraphError {
  const what = status ? `answered ${status}` : 'got no answer';
  return new GraphError(
    OUTCOME_UNKNOWN,
    `Graph ${method} ${describePath(pathOrUrl)} ${what}; whether it was carried out is unknown, so it is looked up before being sent again.`,
    { status, graphCode: null, method, path: describePath(pathOrUrl) },
  );
}

export function isOutcomeUnknownGraph(e: unknown): boolean {
  return isGraphError(e) && e.code === OUTCOME_UNKNOWN;
}
